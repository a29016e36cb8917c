"""Reads of the outbox: what is waiting, what keeps failing (for IT)."""

from django.db.models import Count, Min, Q

from .models import OutboxItem


def outbox_pending(queue: str | None = None):
    items = OutboxItem.objects.filter(done_at__isnull=True)
    return items.filter(queue=queue) if queue else items


def outbox_failing(queue: str | None = None):
    """Rows not done whose last attempt failed: the ones IT must look at."""
    return outbox_pending(queue).exclude(last_error="")


def outbox_summary(queue: str | None = None) -> list[dict]:
    """Per kind: rows waiting, rows failing, oldest waiting row. One query."""
    return list(
        outbox_pending(queue)
        .values("kind")
        .annotate(
            waiting=Count("pk"),
            failing=Count("pk", filter=~Q(last_error="")),
            oldest=Min("created_at"),
        )
        .order_by("kind")
    )
