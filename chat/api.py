"""/api/v1/chat/: the agent's salons, a salon's messages (list, post). Non-members get 404."""

from datetime import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from intranet.api_schema import StrictIn
from intranet.params import parse_id, parse_optional_id

from . import actions
from .models import Message
from .permissions import access_salon
from .queries import history_page, salon_list
from .serializers import message_payload

router = Router(tags=["discussions"])


class SalonOut(Schema):
    id: int
    name: str
    topic: str
    kind: str
    archived: bool
    unread: int = Field(..., description="Messages non lus, comptés jusqu'à CHAT_UNREAD_MAX (100).")
    unread_more: bool = Field(..., description="Le compte a atteint le plafond : il peut y en avoir plus.")
    role: str


class ReplyOut(Schema):
    uuid: UUID
    id: int
    author: str
    excerpt: str


class MessageOut(Schema):
    id: int
    uuid: UUID
    author_id: int | None
    author: str
    text: str
    html: str
    created: datetime
    edited: bool
    deleted: bool
    reply_to: ReplyOut | None


class MessagePage(Schema):
    messages: list[MessageOut] = Field(..., description="Du plus ancien au plus récent.")
    has_older: bool = Field(..., description="Des messages précèdent cette page : `?before=<id du premier>`.")
    has_newer: bool = Field(..., description="Des messages suivent cette page : `?after=<id du dernier>`.")


class MessageIn(StrictIn):
    text: str = Field(..., max_length=20000)
    reply_to: UUID | None = None


def _salon(request, salon_id):
    salon_id = parse_id(salon_id, param="salon_id")
    try:
        return access_salon(request.auth, salon_id)
    except Http404:
        raise HttpError(404, _("Salon introuvable.")) from None


@router.get("/salons", response=list[SalonOut], summary="Mes salons, avec le nombre de messages non lus")
def salons(request):
    return [
        {
            "id": r.salon.pk,
            "name": r.title,
            "topic": r.salon.topic,
            "kind": r.salon.kind,
            "archived": r.salon.archived,
            "unread": r.unread,
            "unread_more": r.unread_more,
            "role": r.membership.role,
        }
        for r in salon_list(request.auth)
    ]


@router.get(
    "/salons/{salon_id}/messages",
    response=MessagePage,
    summary="Messages d'un salon, par pages",
    description=(
        "Sans paramètre : les plus récents. `before` : la page qui précède ce message (remonter "
        "l'historique). `after` : la page qui suit ce message (rattraper ce qui a été écrit depuis), "
        "à répéter tant que `has_newer` est vrai. Les deux ensemble sont refusés (400)."
    ),
)
def messages_list(request, salon_id: int, before: str | None = None, after: str | None = None):
    salon, _membership = _salon(request, salon_id)
    before = parse_optional_id(before, param="before")
    after = parse_optional_id(after, param="after")
    if before is not None and after is not None:
        raise HttpError(400, _("Indiquez « before » ou « after », pas les deux."))
    page = history_page(salon, before=before, after=after)
    return {
        "messages": [message_payload(m) for m in page.messages],
        "has_older": page.has_older,
        "has_newer": page.has_newer,
    }


@router.post("/salons/{salon_id}/messages", response={201: MessageOut}, summary="Écrire dans un salon")
def messages_post(request, salon_id: int, payload: MessageIn):
    salon, _membership = _salon(request, salon_id)
    reply_to = (
        Message.objects.filter(salon=salon, uuid=payload.reply_to).first() if payload.reply_to else None
    )
    try:
        message = actions.message_post(salon=salon, author=request.auth, text=payload.text, reply_to=reply_to)
    except PermissionDenied:
        raise HttpError(404, _("Salon introuvable.")) from None
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages)) from None
    return 201, message_payload(message)
