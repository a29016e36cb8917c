"""Secret tokens of the iCalendar feeds."""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from intranet.audit.actions import audit_record

from ..models import FeedToken
from .common import (
    _retried,
)

# --- Feed tokens ------------------------------------------------------------------------------------------


@_retried
def feed_token_create(*, user, request=None) -> str:
    """A new secret for the agent's calendar feeds; the previous one stops working. Returned once."""
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        FeedToken.objects.filter(user=user).delete()
        FeedToken.objects.create(user=user, digest=FeedToken.hash(secret))
        audit_record(
            action="rooms.feed_token.create", actor=user, request=request, object_type="rooms.feedtoken"
        )
    return secret


def feed_token_revoke(*, user, request=None) -> int:
    with transaction.atomic():
        deleted, _ignored = FeedToken.objects.filter(user=user).delete()
        audit_record(
            action="rooms.feed_token.revoke", actor=user, request=request, object_type="rooms.feedtoken"
        )
    return deleted


def feed_token_user(secret: str):
    """The active agent owning this feed secret, or None."""
    if not secret or len(secret) > 100:
        return None
    token = FeedToken.objects.select_related("user").filter(digest=FeedToken.hash(secret)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(hours=1):
        FeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
