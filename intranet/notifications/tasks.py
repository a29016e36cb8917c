from django_tasks import task

from .outbox import send_immediate


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """Kept for tasks queued by the previous release (database backend) before an upgrade: notify() now
    records its e-mails in the outbox (outbox.py), which sends and retries them."""
    return send_immediate({"ids": notification_ids})
