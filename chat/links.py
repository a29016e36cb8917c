"""Chat's side of links from other apps (`intranet.registry.register_link_kind`): a project card links to
messages of its project's salon. A message is shown to the salon's members only, decided when shown."""

import re

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.params import MAX_ID

from .models import Membership, Message

EXCERPT = 80


def _salon_id(refs) -> int | None:
    value = (refs or {}).get("chat", {}).get("salon_id")
    return int(value) if value else None


def parse(text: str) -> int | None:
    """A message's number, or an address ending in its anchor « #m-<number> » (the salon page's)."""
    text = (text or "").strip()[:2000]
    match = re.fullmatch(r"[0-9]{1,19}", text) or re.search(r"#m-([0-9]{1,19})$", text)
    if match is None:
        return None
    number = int(match.group(1) if match.groups() else match.group(0))
    return number if 1 <= number <= MAX_ID else None


def validate(refs, object_id: int, user) -> str | None:
    message = Message.objects.visible().filter(pk=object_id).only("id", "salon_id").first()
    if (
        message is None
        or not user.is_active
        or not Membership.objects.filter(salon_id=message.salon_id, user_id=user.pk).exists()
    ):
        return _("Ce message n'existe pas ou vous ne pouvez pas le lire : vérifiez son adresse.")
    if message.salon_id != _salon_id(refs):
        return _("Seuls les messages du salon du projet peuvent être liés à ses cartes.")
    return None


def _label(message: Message) -> str:
    text = " ".join(message.text.split())
    if len(text) > EXCERPT:
        text = text[: EXCERPT - 1] + "…"
    return _("« %(text)s » — %(who)s, %(when)s") % {
        "text": text,
        "who": message.display_author,
        "when": timezone.localtime(message.created_at).strftime("%d/%m/%Y %H:%M"),
    }


def resolve_links(object_ids, user) -> dict[int, tuple[str, str]]:
    """The messages (not deleted) of salons `user` is a member of: one query."""
    ids = sorted({int(i) for i in object_ids})
    if not ids or not user.is_active:
        return {}
    messages = (
        Message.objects.visible().filter(pk__in=ids, salon__memberships__user=user).select_related("author")
    )
    return {m.pk: (_label(m), reverse("chat:salon", args=[m.salon_id]) + f"#m-{m.pk}") for m in messages}
