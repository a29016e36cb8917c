"""Reading the agents' e-mail preferences per kind, and the signed unsubscribe links.

Kept apart from actions.py so that the e-mail tasks, the views and notify() share them without importing
each other.
"""

from django.core import signing
from django.db.models import OuterRef, Subquery
from django.urls import reverse

from .kinds import CONFIGURABLE, DEFAULTS, Delivery, Kind, is_configurable
from .models import NotificationPreference

UNSUBSCRIBE_SALT = "intranet.notifications.unsubscribe"
# The digest's own link (and List-Unsubscribe header): every kind the agent receives in the digest.
DIGEST_TOKEN_KIND = "digest"


def preference_subquery(kind: str):
    """The agent's stored choice for `kind` (NULL when none), to annotate a user query in one round trip."""
    return Subquery(
        NotificationPreference.objects.filter(user=OuterRef("pk"), kind=kind).values("delivery")[:1]
    )


def resolve_delivery(kind: str, stored: str | None, *, email: bool) -> str:
    """How one notification reaches the mailbox.

    `email` is the caller's judgement that the event deserves mail; without it, in-app only. With it, a
    configurable kind follows the agent's choice (or the kind's default); `account` is always immediate.
    """
    if not email:
        return Delivery.NONE
    if not is_configurable(kind):
        return Delivery.IMMEDIATE
    return stored or DEFAULTS[kind]


def preferences_for(user) -> dict[str, str]:
    """Every configurable kind with the agent's current choice (stored or default). One query."""
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: stored.get(kind, DEFAULTS[kind]) for kind in CONFIGURABLE}


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    return reverse("notification_prefs:unsubscribe", args=[unsubscribe_token(user_id=user_id, kind=kind)])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) from a link we signed, or None for anything altered, truncated or not ours."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, kind = data.get("u"), data.get("k")
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    if kind == DIGEST_TOKEN_KIND:
        return user_id, kind
    if kind not in CONFIGURABLE:
        return None
    return user_id, str(Kind(kind))
