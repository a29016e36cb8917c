"""The one JSON shape of a message, shared by the websocket, the API and the templates' data attributes."""

from django.utils.formats import date_format
from django.utils.timezone import localtime

from .models import Message

# One format for a message's time, in the page (templates) and live (websocket, API).
TIME_FORMAT = "j b H:i"


def time_label(moment) -> str:
    return date_format(localtime(moment), TIME_FORMAT)


def reply_excerpt(message: Message | None) -> dict | None:
    if message is None:
        return None
    return {
        "uuid": str(message.uuid),
        "id": message.pk,
        "author": message.display_author,
        "excerpt": "" if message.deleted_at else message.text[:140],
    }


def message_payload(message: Message, kind: str = "message") -> dict:
    deleted = message.deleted_at is not None
    return {
        "type": kind,
        "id": message.pk,
        "uuid": str(message.uuid),
        "salon": message.salon_id,
        "author_id": message.author_id,
        "author": message.display_author,
        "html": "" if deleted else message.html,
        "text": "" if deleted else message.text,
        "created": message.created_at.isoformat(),
        "time": time_label(message.created_at),
        "edited": message.edited_at is not None,
        # The version of this state: a page keeps the newest one whatever the order events arrive in.
        "changed": message.changed_at.isoformat(),
        "deleted": deleted,
        "reply_to": reply_excerpt(message.reply_to) if message.reply_to_id else None,
    }
