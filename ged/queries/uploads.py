"""Upload sessions: only their owner sees them."""

import re

from django.http import Http404
from django.utils import timezone

from ..models import UploadSession

_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def upload_session_for(user, session_id: str) -> UploadSession:
    """The agent's own live session, or 404 (someone else's, expired and missing alike). One query."""
    if not isinstance(session_id, str) or not _SESSION_ID.match(session_id) or not user.is_authenticated:
        raise Http404
    session = UploadSession.objects.filter(pk=session_id, owner=user, expires_at__gt=timezone.now()).first()
    if session is None:
        raise Http404
    session.owner = user
    return session
