"""/api/v1/ged/: spaces, folder listing, documents, versions, upload, download, grants (managers), trash.
Every object goes through the same access_* helpers as the web views: forbidden answers like missing (404)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from ninja import File, Form, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

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
from .choices import Role
from .models import Document, FolderGroupObjectPermission, FolderUserObjectPermission
from .permissions import access_document, access_folder, access_version
from .queries import document_versions, folder_listing, my_spaces, trash_listing
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
    locked_by: str | None
    lock_expires_at: datetime | None
    abilities: dict[str, bool]


class GrantIn(Schema):
    role: Role
    user: int | None = None
    group: int | None = None


class GrantOut(Schema):
    kind: str
    principal: int
    role: str


class Error(Schema):
    detail: str


def _guard(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Http404:
        _404()


@router.get("/ged/spaces", response=list[SpaceOut])
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
                )
            )
    return out


@router.get("/ged/folders/{folder_id}", response={200: FolderOut, 404: Error})
def folder(request, folder_id: int, page: int = 1, sort: str = "nom"):
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
        locked_by=(d.lock_holder.get_full_name() if d.lock_active() else None),
        lock_expires_at=d.lock_expires_at if d.lock_active() else None,
        abilities=access.abilities,
    )


@router.get("/ged/documents/{document_id}", response={200: DocumentOut, 404: Error})
def document(request, document_id: int):
    return _doc_out(_guard(access_document, request.user, document_id))


@router.get("/ged/documents/{document_id}/versions", response={200: list[VersionOut], 404: Error})
def versions(request, document_id: int):
    access = _guard(access_document, request.user, document_id)
    return [
        VersionOut(
            id=v.pk,
            number=v.number,
            size=v.size,
            mime_type=v.mime_type,
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
    "/ged/folders/{folder_id}/documents", response={201: DocumentOut, 400: Error, 404: Error, 413: Error}
)
def upload(request, folder_id: int, file: File[UploadedFile], comment: Form[str] = ""):
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
)
def new_version(
    request,
    document_id: int,
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
        if not if_match.isdigit():
            return 412, {"detail": "En-tête If-Match invalide : indiquez le numéro de la version de départ."}
        base, status = int(if_match), 412
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
        original_name=v.original_name,
        author=request.user.get_full_name(),
        comment=v.comment,
        milestone=v.milestone,
        created_at=v.created_at,
        download_url=reverse("api:ged_download", args=[v.pk]),
    )


@router.get("/ged/versions/{version_id}/download", url_name="ged_download", response={404: Error})
def download(request, version_id: int):
    version, access = _guard(access_version, request.user, version_id)
    return _download(request, version, access)


@router.get("/ged/folders/{folder_id}/grants", response={200: list[GrantOut], 404: Error})
def grants(request, folder_id: int):
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


@router.post("/ged/folders/{folder_id}/grants", response={201: GrantOut, 400: Error, 404: Error})
def grant_add(request, folder_id: int, payload: GrantIn):
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
    "/ged/folders/{folder_id}/grants/{kind}/{principal_id}", response={204: None, 400: Error, 404: Error}
)
def grant_delete(request, folder_id: int, kind: str, principal_id: int):
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


@router.get("/ged/spaces/{slug}/trash", response={200: list[DocumentRow], 404: Error})
def trash(request, slug: str, page: int = 1):
    from .permissions import access_space

    access = _guard(access_space, request.user, slug)
    if not access.abilities["trash"]:
        _404()
    rows = trash_listing(request.user, access.space, page=page).object_list
    return [
        DocumentRow(
            id=d["id"],
            title=d["title"],
            updated_at=d["trashed_at"],
            size=d["current_version__size"],
            version=None,
            mime_type=None,
        )
        for d in rows
    ]


@router.post("/ged/documents/{document_id}/trash", response={204: None, 404: Error})
def trash_document(request, document_id: int):
    access = _guard(access_document, request.user, document_id, need="trash")
    document_trash(document=access.document, actor=request.user, request=request)
    return 204, None


@router.post("/ged/documents/{document_id}/restore", response={200: DocumentOut, 404: Error})
def restore_document(request, document_id: int):
    access = _guard(access_document, request.user, document_id, need="restore", trashed=True)
    document_restore(document=access.document, actor=request.user, request=request)
    return _doc_out(access_document(request.user, document_id))


@router.delete("/ged/documents/{document_id}", response={204: None, 404: Error})
def purge_document(request, document_id: int):
    access = _guard(access_document, request.user, document_id, need="purge", trashed=True)
    document_purge(document=access.document, actor=request.user, request=request)
    return 204, None


__all__ = ["router", "Document"]
