from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils.translation import gettext as _
from django_tasks import task

from .models import Notification


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """Send the e-mails of these notifications (loaded by id) and mark them as sent."""
    rows = list(
        Notification.objects.filter(pk__in=notification_ids, emailed=False, recipient__is_active=True)
        .exclude(recipient__email="")
        .select_related("recipient")
    )
    messages = []
    for n in rows:
        link = f"{settings.SITE_URL}{n.url}" if n.url.startswith("/") else n.url
        body = (
            n.text
            + (f"\n\n{link}" if link else "")
            + "\n\n-- \n"
            + _("Message envoyé par l'intranet des agents.")
        )
        messages.append((n.text[:120], body, settings.DEFAULT_FROM_EMAIL, [n.recipient.email]))
    sent = send_mass_mail(messages, fail_silently=False) if messages else 0
    Notification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed=True)
    return sent
