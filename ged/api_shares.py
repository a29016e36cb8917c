"""/api/v1/ged/: documents shared on their own — « Partagés avec moi », and sharing a document with an agent
or a group (editors of its folder). The same actions, queries and gate as the web pages; forbidden answers
like missing (404)."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from intranet.api_schema import Error, ObjectId, StrictIn
from intranet.pagination import BoundedPageNumberPagination

from .actions import document_share, document_unshare
from .choices import ShareRole
from .models import DocumentGrant
from .permissions import access_document
from .queries import document_shares, shared_with_me
from .views.common import error_text

router = Router(tags=["GED"])


class SharedDocumentOut(Schema):
    id: int
    title: str
    space: str
    role: str  # "reader" or "editor" (may send new versions)
    shared_by: str
    shared_at: datetime
    updated_at: datetime


class DocumentGrantOut(Schema):
    kind: str  # "user" or "group"
    principal: int
    name: str
    role: str
    granted_by: str
    created_at: datetime


class DocumentShareIn(StrictIn):
    role: ShareRole = ShareRole.READER
    user: ObjectId | None = None
    group: ObjectId | None = None


def document_grant_out(grant: DocumentGrant) -> DocumentGrantOut:
    if grant.user_id:
        name = grant.user.get_full_name() or grant.user.username
    else:
        department = getattr(grant.group, "department", None)
        name = department.name if department is not None else grant.group.name
    return DocumentGrantOut(
        kind="user" if grant.user_id else "group",
        principal=grant.user_id or grant.group_id,
        name=name,
        role=grant.role,
        granted_by=grant.granted_by.get_full_name() if grant.granted_by else "",
        created_at=grant.created_at,
    )


def _sharable(user, document_id):
    try:
        return access_document(user, document_id, need="share_document")
    except Http404:
        raise HttpError(404, "Introuvable.") from None


@router.get(
    "/ged/shared-with-me",
    response=list[SharedDocumentOut],
    summary="Les documents partagés avec moi",
    description="Les documents partagés avec l'agent ou l'un de ses services, qu'il peut lire, "
    "du plus récent partage au plus ancien.",
)
@paginate(BoundedPageNumberPagination, page_size=20, max_page_size=100)
def shared(request):
    return _SharedOut(shared_with_me(request.user))


class _SharedOut:
    """A sliceable sequence for the paginator: the page's rows become schemas, no query per row."""

    def __init__(self, qs):
        self.qs = qs

    def count(self):
        return self.qs.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        return [
            SharedDocumentOut(
                id=d.pk,
                title=d.title,
                space=d.space_name,
                role=d.shared_role,
                shared_by=(d.shared_by or "").strip(),
                shared_at=d.shared_at,
                updated_at=d.updated_at,
            )
            for d in self.qs[item]
        ]


@router.get(
    "/ged/documents/{document_id}/grants",
    response={200: list[DocumentGrantOut], 404: Error},
    summary="Les partages d'un document (éditeurs de son dossier)",
)
def grants(request, document_id: ObjectId):
    access = _sharable(request.user, document_id)
    return [document_grant_out(g) for g in document_shares(access.document)]


@router.post(
    "/ged/documents/{document_id}/grants",
    response={201: DocumentGrantOut, 400: Error, 404: Error},
    summary="Partager un document avec un agent ou un groupe (éditeurs de son dossier)",
)
def grant_add(request, document_id: ObjectId, payload: DocumentShareIn):
    access = _sharable(request.user, document_id)
    User = get_user_model()
    try:
        if (payload.user is None) == (payload.group is None):
            return 400, {"detail": "Indiquez « user » ou « group », l'un des deux."}
        if payload.user is not None:
            principal = {"user": User.objects.get(pk=payload.user, is_active=True)}
        else:
            principal = {"group": Group.objects.get(pk=payload.group)}
        grant = document_share(
            document=access.document, role=payload.role, actor=request.user, request=request, **principal
        )
    except (User.DoesNotExist, Group.DoesNotExist):
        return 400, {"detail": "Agent ou groupe introuvable."}
    except ValidationError as exc:
        return 400, {"detail": error_text(exc)}
    return 201, document_grant_out(grant)


@router.delete(
    "/ged/documents/{document_id}/grants/{kind}/{principal_id}",
    response={204: None, 404: Error},
    summary="Retirer le partage d'un document à un agent (user) ou à un groupe (group)",
)
def grant_delete(request, document_id: ObjectId, kind: str, principal_id: ObjectId):
    access = _sharable(request.user, document_id)
    model = {"user": get_user_model(), "group": Group}.get(kind)
    principal = model.objects.filter(pk=principal_id).first() if model else None
    if principal is None or not document_unshare(
        document=access.document, actor=request.user, request=request, **{kind: principal}
    ):
        raise HttpError(404, "Introuvable.")
    return 204, None
