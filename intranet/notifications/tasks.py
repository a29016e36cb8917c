from django.core.mail import get_connection
from django_tasks import task

from .emails import immediate_message
from .kinds import Delivery
from .models import Notification


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """Send the immediate e-mails of these notifications (loaded by id) and mark them as sent."""
    rows = list(
        Notification.objects.filter(
            pk__in=notification_ids, emailed=False, mail=Delivery.IMMEDIATE, recipient__is_active=True
        )
        .exclude(recipient__email="")
        .select_related("recipient")
    )
    messages = [immediate_message(n) for n in rows]
    sent = get_connection(fail_silently=False).send_messages(messages) if messages else 0
    Notification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed=True)
    return sent or 0
