"""Signed feed addresses: the address carries the agent's id and their current feed key, signed with the
site's secret (django.core.signing). A forged or tampered token fails the signature without touching the
database; a renewed key (actions.feed_key_renew) makes older addresses fail the key check."""

from django.contrib.auth import get_user_model
from django.core import signing

from .models import FeedKey

SALT = "events.feed"


def feed_token(key: FeedKey) -> str:
    return signing.dumps([key.user_id, key.key], salt=SALT, compress=False)


def feed_user(token: str):
    """The active agent this token belongs to, or None (bad signature, old key, inactive agent)."""
    if not token or len(token) > 300:
        return None
    try:
        user_id, key = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not FeedKey.objects.filter(user_id=user_id, key=key).exists():
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()
