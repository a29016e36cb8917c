"""/api/v1/ged/: spaces, folder listing, documents, versions, upload, download, grants (managers), trash.
Every object goes through the same access_* helpers as the web views: forbidden answers like missing (404)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from intranet.api_schema import Error, ObjectId, PageNumber, StrictIn
from intranet.params import is_valid_id, parse_id

from . import removal_hooks
from .actions import (
    StaleVersion,
    document_purge,
    document_restore,
    document_trash,
    document_upload,
    grant_revoke,
    grant_set,
    version_create,
)
from .api_shares import DocumentGrantOut, document_grant_out
from .choices import Role
from .filetypes import type_label
from .models import Document, FolderGroupObjectPermission, FolderUserObjectPermission
from .permissions import access_document, access_folder, access_space, access_version, may_open_trash
from .queries import document_shares, document_versions, folder_listing, my_spaces, trash_listing
from .views.common import error_text
from .views.documents import _download

router = Router(tags=["GED"])


def _404():
    raise HttpError(404, "Introuvable.")


class SpaceOut(Schema):
    id: int
    slug: str
    name: str
    policy: str
    root_folder: int | None
    member: bool
    frozen: bool = False  # read-only for everyone (a closed project's space): every write answers 404


class FolderRef(Schema):
    id: int
    name: str
    restricted: bool
    partial: bool = False


class DocumentRow(Schema):
    id: int
    title: str
    updated_at: datetime
    size: int | None
    version: int | None
    mime_type: str | None
    type_label: str  # « Document Word », never a MIME type


class FolderOut(Schema):
    id: int
    name: str
    space: str
    role: str | None
    abilities: dict[str, bool]
    breadcrumbs: list[FolderRef]
    children: list[FolderRef]
    documents: list[DocumentRow]
    count: int
    page: int
    pages: int


class VersionOut(Schema):
    id: int
    number: int
    size: int
    mime_type: str
    type_label: str  # « Document Word », never a MIME type
    original_name: str
    author: str
    comment: str
    milestone: str
    created_at: datetime
    download_url: str


class DocumentOut(Schema):
    id: int
    title: str
    folder: int
    description: str
    tags: str
    current_version: int | None
    type_label: str | None  # « Document Word », never a MIME type
    locked_by: str | None
    lock_expires_at: datetime | None
    abilities: dict[str, bool]
    # The document's own shares, for those who may share it (editors of its folder) on its detail only.
    grants: list[DocumentGrantOut] | None = None


class GrantIn(StrictIn):
    role: Role
    user: ObjectId | None = None
    group: ObjectId | None = None


class GrantOut(Schema):
    kind: str
    principal: int
    role: str


def _guard(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Http404:
        _404()


@router.get("/ged/spaces", response=list[SpaceOut], summary="Mes espaces documentaires")
def spaces(request):
    data = my_spaces(request.user)
    out = []
    for key in ("mine", "open", "others"):
        for s in data[key]:
            out.append(
                SpaceOut(
                    id=s.pk,
                    slug=s.slug,
                    name=s.name,
                    policy=s.policy,
                    root_folder=s.root_id if key != "others" else None,
                    member=key == "mine",
                    frozen=s.frozen,
                )
            )
    return out


@router.get(
    "/ged/folders/{folder_id}",
    response={200: FolderOut, 404: Error},
    summary="Un dossier : ses sous-dossiers et ses documents, par pages",
)
def folder(request, folder_id: ObjectId, page: PageNumber = 1, sort: str = "nom"):
    access = _guard(access_folder, request.user, folder_id)
    listing = folder_listing(request.user, access, sort=sort, page=page)
    docs = list(listing.page.object_list) if listing.page else []
    return FolderOut(
        id=access.folder.pk,
        name=access.folder.name,
        space=access.space.slug,
        role=access.role.value if access.role else None,
        abilities=access.abilities,
        breadcrumbs=[FolderRef(id=f.pk, name=f.name, restricted=f.restricted) for f in access.chain],
        children=[
            FolderRef(id=c.folder.pk, name=c.folder.name, restricted=c.folder.restricted, partial=c.partial)
            for c in listing.children
        ],
        documents=[
            DocumentRow(
                id=d["id"],
                title=d["title"],
                updated_at=d["updated_at"],
                size=d["current_version__size"],
                version=d["current_version__number"],
                mime_type=d["current_version__mime_type"],
                type_label=type_label(d["current_version__mime_type"], d["title"]),
            )
            for d in docs
        ],
        count=listing.page.paginator.count if listing.page else 0,
        page=listing.page.number if listing.page else 1,
        pages=listing.page.paginator.num_pages if listing.page else 0,
    )


def _doc_out(access) -> DocumentOut:
    d = access.document
    return DocumentOut(
        id=d.pk,
        title=d.title,
        folder=d.folder_id,
        description=d.description,
        tags=d.tags,
        current_version=d.current_version.number if d.current_version_id else None,
        type_label=type_label(d.current_version.mime_type, d.title) if d.current_version_id else None,
        locked_by=(d.lock_holder.get_full_name() if d.lock_active() else None),
        lock_expires_at=d.lock_expires_at if d.lock_active() else None,
        abilities=access.abilities,
    )


@router.get("/ged/documents/{document_id}", response={200: DocumentOut, 404: Error}, summary="Un document")
def document(request, document_id: ObjectId):
    access = _guard(access_document, request.user, document_id)
    out = _doc_out(access)
    if access.abilities["share_document"]:
        out.grants = [document_grant_out(g) for g in document_shares(access.document)]
    return out


@router.get(
    "/ged/documents/{document_id}/versions",
    response={200: list[VersionOut], 404: Error},
    summary="Les versions d'un document",
)
def versions(request, document_id: ObjectId):
    access = _guard(access_document, request.user, document_id)
    return [
        VersionOut(
            id=v.pk,
            number=v.number,
            size=v.size,
            mime_type=v.mime_type,
            type_label=type_label(v.mime_type, v.original_name),
            original_name=v.original_name,
            author=v.author.get_full_name() if v.author else "",
            comment=v.comment,
            milestone=v.milestone,
            created_at=v.created_at,
            download_url=reverse("api:ged_download", args=[v.pk]),
        )
        for v in document_versions(access.document)
    ]


@router.post(
    "/ged/folders/{folder_id}/documents",
    response={201: DocumentOut, 400: Error, 404: Error, 413: Error},
    summary="Déposer un document dans un dossier",
    openapi_extra={
        "responses": {
            201: {
                "links": {
                    "LireLeDocument": {
                        "operationId": "ged_api_document",
                        "parameters": {"document_id": "$response.body#/id"},
                    },
                    "SesVersions": {
                        "operationId": "ged_api_versions",
                        "parameters": {"document_id": "$response.body#/id"},
                    },
                }
            }
        }
    },
)
def upload(request, folder_id: ObjectId, file: File[UploadedFile], comment: Form[str] = ""):
    access = _guard(access_folder, request.user, folder_id, need="upload")
    try:
        doc, _version = document_upload(
            folder=access.folder,
            uploaded_file_or_path=file,
            author=request.user,
            comment=comment[:500],
            request=request,
        )
    except ValidationError as exc:
        text = error_text(exc)
        return (413 if "taille maximale" in text else 400), {"detail": text}
    return 201, _doc_out(access_document(request.user, doc.pk))


@router.post(
    "/ged/documents/{document_id}/versions",
    response={201: VersionOut, 400: Error, 404: Error, 409: Error, 412: Error, 413: Error},
    summary="Déposer une nouvelle version d'un document",
    description=(
        "Une `base_version` qui n'est plus la version actuelle répond 409 ; un en-tête "
        '`If-Match: "<numéro de version>"` qui ne désigne pas la version actuelle répond 412.'
    ),
)
def new_version(
    request,
    document_id: ObjectId,
    file: File[UploadedFile],
    comment: Form[str] = "",
    base_version: Form[int | None] = None,
):
    """A stale `base_version` gets 409; an `If-Match: "
    ""<version number>"` header that is not current gets 412."""
    access = _guard(access_document, request.user, document_id, need="upload_version")
    if_match = request.headers.get("If-Match", "").strip().strip('"')
    base = base_version
    status = 409
    if if_match:
        # ASCII digits, bounded ('²' passes isdigit() and fails int(); 5,000 digits fail int() too).
        if not is_valid_id(if_match):
            return 412, {"detail": "En-tête If-Match invalide : indiquez le numéro de la version de départ."}
        base, status = parse_id(if_match), 412
    try:
        v = version_create(
            document=access.document,
            uploaded_file_or_path=file,
            author=request.user,
            comment=comment[:500],
            base_version=base,
            request=request,
        )
    except StaleVersion as exc:
        return status, {"detail": exc.message}
    except ValidationError as exc:
        text = error_text(exc)
        return (413 if "taille maximale" in text else 400), {"detail": text}
    return 201, VersionOut(
        id=v.pk,
        number=v.number,
        size=v.size,
        mime_type=v.mime_type,
        type_label=type_label(v.mime_type, v.original_name),
        original_name=v.original_name,
        author=request.user.get_full_name(),
        comment=v.comment,
        milestone=v.milestone,
        created_at=v.created_at,
        download_url=reverse("api:ged_download", args=[v.pk]),
    )


@router.get(
    "/ged/versions/{version_id}/download",
    url_name="ged_download",
    response={404: Error},
    summary="Télécharger une version",
    description="Le fichier tel que déposé. L'en-tête `Range` donne une partie du fichier (206).",
    openapi_extra={
        "responses": {
            200: {
                "description": "Le fichier.",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            },
            206: {
                "description": "La partie demandée du fichier (en-tête Range).",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            },
            304: {"description": "Inchangé depuis la copie du client (If-None-Match)."},
            416: {"description": "La plage demandée (en-tête Range) est hors du fichier."},
        }
    },
)
def download(request, version_id: ObjectId):
    version, access = _guard(access_version, request.user, version_id)
    return _download(request, version, access)


@router.get(
    "/ged/folders/{folder_id}/grants",
    response={200: list[GrantOut], 404: Error},
    summary="Les rôles donnés sur un dossier (gestionnaires)",
)
def grants(request, folder_id: ObjectId):
    access = _guard(access_folder, request.user, folder_id, need="share")
    rows = [
        GrantOut(kind="user", principal=g.user_id, role=g.permission.codename.removeprefix("role_"))
        for g in FolderUserObjectPermission.objects.filter(content_object=access.folder).select_related(
            "permission"
        )
    ]
    rows += [
        GrantOut(kind="group", principal=g.group_id, role=g.permission.codename.removeprefix("role_"))
        for g in FolderGroupObjectPermission.objects.filter(content_object=access.folder).select_related(
            "permission"
        )
    ]
    return rows


@router.post(
    "/ged/folders/{folder_id}/grants",
    response={201: GrantOut, 400: Error, 404: Error},
    summary="Donner un rôle sur un dossier à un agent ou à un groupe",
)
def grant_add(request, folder_id: ObjectId, payload: GrantIn):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    access = _guard(access_folder, request.user, folder_id, need="share")
    try:
        if payload.user is not None:
            principal = {"user": get_user_model().objects.get(pk=payload.user, is_active=True)}
        elif payload.group is not None:
            principal = {"group": Group.objects.get(pk=payload.group)}
        else:
            return 400, {"detail": "Indiquez « user » ou « group »."}
        grant_set(folder=access.folder, role=payload.role, actor=request.user, request=request, **principal)
    except (ValidationError, get_user_model().DoesNotExist, Group.DoesNotExist) as exc:
        return 400, {
            "detail": error_text(exc) if isinstance(exc, ValidationError) else "Agent ou groupe introuvable."
        }
    kind = "user" if payload.user is not None else "group"
    return 201, GrantOut(kind=kind, principal=payload.user or payload.group, role=Role(payload.role).value)


@router.delete(
    "/ged/folders/{folder_id}/grants/{kind}/{principal_id}",
    response={204: None, 400: Error, 404: Error},
    summary="Retirer le rôle d'un agent (user) ou d'un groupe (group) sur un dossier",
)
def grant_delete(request, folder_id: ObjectId, kind: str, principal_id: ObjectId):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    access = _guard(access_folder, request.user, folder_id, need="share")
    model = {"user": get_user_model(), "group": Group}.get(kind)
    principal = model.objects.filter(pk=principal_id).first() if model else None
    if principal is None:
        _404()
    try:
        grant_revoke(folder=access.folder, actor=request.user, request=request, **{kind: principal})
    except ValidationError as exc:
        return 400, {"detail": error_text(exc)}
    return 204, None


class TrashRow(Schema):
    id: int
    title: str
    trashed_at: datetime
    folder: int
    folder_name: str
    folder_deleted: bool
    size: int | None
    trashed_by: str
    can_purge: bool


class TrashOut(Schema):
    documents: list[TrashRow]
    count: int
    page: int
    pages: int


class RestoreOut(Schema):
    id: int
    title: str
    folder: int
    folder_name: str
    readable: bool
    detail: str
    document: DocumentOut | None


def _trash_out(page) -> TrashOut:
    return TrashOut(
        documents=[
            TrashRow(
                id=d["id"],
                title=d["title"],
                trashed_at=d["trashed_at"],
                folder=d["folder_id"],
                folder_name=d["folder__name"],
                folder_deleted=d["folder__trashed_at"] is not None,
                size=d["current_version__size"],
                trashed_by=" ".join(
                    p for p in (d["trashed_by__first_name"], d["trashed_by__last_name"]) if p
                ),
                can_purge=d["purge"],
            )
            for d in page.object_list
        ],
        count=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
    )


@router.get(
    "/ged/spaces/{slug}/trash",
    response={200: TrashOut, 404: Error},
    summary="La corbeille d'un espace",
    description=(
        "Les documents supprimés que l'agent peut restaurer (éditeur de leur dossier), pour un éditeur de la "
        "racine ou d'un dossier de l'espace ; 404 pour les autres."
    ),
)
def trash(request, slug: str, page: PageNumber = 1):
    """Trashed documents the agent may restore (editor of their folder), for an editor of the root or of
    any folder of the space; 404 for everyone else."""
    access = _guard(access_space, request.user, slug)
    if not may_open_trash(request.user, access):
        _404()
    return _trash_out(trash_listing(request.user, access.space, page=page))


@router.get(
    "/ged/folders/{folder_id}/trash",
    response={200: TrashOut, 404: Error},
    summary="La corbeille d'un dossier",
)
def folder_trash(request, folder_id: ObjectId, page: PageNumber = 1):
    access = _guard(access_folder, request.user, folder_id, need="trash")
    return _trash_out(trash_listing(request.user, access.space, folder=access.folder, page=page))


@router.post(
    "/ged/documents/{document_id}/trash",
    response={204: None, 404: Error, 409: Error},
    summary="Mettre un document à la corbeille",
    description="409 quand un gel (conservation pour motif légal) l'interdit, avec la raison en français.",
)
def trash_document(request, document_id: ObjectId):
    access = _guard(access_document, request.user, document_id, need="trash")
    try:
        document_trash(document=access.document, actor=request.user, request=request)
    except removal_hooks.RemovalRefused as exc:
        return 409, {"detail": error_text(exc)}
    return 204, None


@router.post(
    "/ged/documents/{document_id}/restore",
    response={200: RestoreOut, 400: Error, 404: Error},
    summary="Restaurer un document de la corbeille",
    description=(
        "Dit où le document est revenu et si l'agent peut encore l'y lire (`document` donne alors son "
        "détail) ; 400 avec la raison quand la restauration élargirait son accès."
    ),
)
def restore_document(request, document_id: ObjectId):
    """Says where the document went and whether the agent may still read it there (`document` is then its
    details); 400 with the reason when restoring would widen its access."""
    access = _guard(access_document, request.user, document_id, need="restore", trashed=True)
    try:
        doc = document_restore(document=access.document, actor=request.user, request=request)
    except ValidationError as exc:
        return 400, {"detail": error_text(exc)}
    try:
        details = _doc_out(access_document(request.user, doc.pk))
    except Http404:
        details = None
    if details is not None:
        detail = _("« %(title)s » est restauré dans « %(folder)s ».")
    else:
        detail = _("« %(title)s » est restauré dans « %(folder)s », où vous n'avez pas accès.")
    return 200, RestoreOut(
        id=doc.pk,
        title=doc.title,
        folder=doc.folder_id,
        folder_name=doc.folder.name,
        readable=details is not None,
        detail=detail % {"title": doc.title, "folder": doc.folder.name},
        document=details,
    )


@router.delete(
    "/ged/documents/{document_id}",
    response={204: None, 404: Error, 409: Error},
    summary="Supprimer définitivement un document de la corbeille",
    description="409 quand un gel (conservation pour motif légal) l'interdit, avec la raison en français.",
)
def purge_document(request, document_id: ObjectId):
    access = _guard(access_document, request.user, document_id, need="purge", trashed=True)
    try:
        document_purge(document=access.document, actor=request.user, request=request)
    except removal_hooks.RemovalRefused as exc:
        return 409, {"detail": error_text(exc)}
    return 204, None


__all__ = ["router", "Document"]
