import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from .choices import Result
from .models import AccessEvent


def client_ip(request) -> str | None:
    """The client address. Behind nginx, the ASGI server already put X-Real-IP into REMOTE_ADDR; reading the
    header here would trust whatever a client sends when it reaches the server directly.
    An address that is not an IP (a server on a Unix socket, an in-process test client's « testclient »)
    is recorded as unknown rather than refused by the column (a 500 on PostgreSQL's inet)."""
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address((request.META.get("REMOTE_ADDR") or "").strip()))
    except ValueError:
        return None


def audit_record(
    *,
    action: str,
    actor=None,
    request=None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    result: str = Result.SUCCESS,
    actor_label: str = "",
    extra: dict | None = None,
) -> AccessEvent:
    """Append one event to the access log. The only way events are written."""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    return AccessEvent.objects.create(
        actor=actor,
        actor_label=(actor_label or (actor.get_username() if actor is not None else ""))[:150],
        action=action,
        object_type=object_type[:64],
        object_id=str(object_id)[:64],
        result=result,
        ip=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
        extra=extra or {},
    )


# Object types whose events follow a retention rule of their own, registered by their app at start-up
# (`audit_keep_apart`): the general purge leaves them to that rule. The payslip safe's log (ged.payslips) is
# kept as long as the payslips it tells of, years past AUDIT_RETENTION_DAYS.
_kept_apart: set[str] = set()


def audit_keep_apart(object_type: str) -> None:
    """Leave `object_type`'s events out of `audit_purge`: the registering app deletes them itself (through
    `audit_delete`) under its own retention rule, which it documents."""
    _kept_apart.add(object_type)


@transaction.atomic
def audit_delete(events: models.QuerySet) -> int:
    """Delete `events` (a queryset of AccessEvent): the append-only trigger's one exception (migration 0002),
    for retention rules only. Returns how many were deleted."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL intranet.audit_purge = 'on'")
    deleted, _ = events.delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL intranet.audit_purge = 'off'")
    return deleted


@transaction.atomic
def audit_purge(*, days: int | None = None) -> int:
    """Delete events older than the retention period and log the run itself.

    The only deletion the append-only trigger lets through (migration 0002), with the retention rules of the
    object types kept apart (`audit_keep_apart`), which this purge never touches; document versions and
    object history are administrative records with their own retention and are never touched here either.
    """
    days = days or settings.AUDIT_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    deleted = audit_delete(
        AccessEvent.objects.filter(created_at__lt=cutoff).exclude(object_type__in=sorted(_kept_apart))
    )
    audit_record(
        action="audit.purge",
        actor_label="audit_purge",
        extra={"deleted": deleted, "cutoff": cutoff.isoformat(), "days": days},
    )
    return deleted
