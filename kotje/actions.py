"""Every write of Kotje: agents' feedback on guides and the owners' review reminders."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from intranet.notifications.actions import notify

from .models import GuideFeedback, GuidePage, ReviewReminder


@transaction.atomic
def feedback_record(*, guide: GuidePage, user, helpful: bool, comment: str = "") -> GuideFeedback:
    """One answer per agent and guide: answering again replaces the previous answer (and its comment)."""
    comment = comment.strip()[:2000]
    feedback, created = GuideFeedback.objects.select_for_update().get_or_create(
        guide=guide, user=user, defaults={"helpful": helpful, "comment": comment}
    )
    if not created:
        feedback.helpful, feedback.comment = helpful, comment
        feedback.save(update_fields=["helpful", "comment", "updated_at"])
    return feedback


def review_recipients(guide: GuidePage) -> list[int]:
    """The owner agent; for a service, its head, or else its agents; failing those, the page's creator."""
    User = get_user_model()
    if guide.content_owner_person_id:
        ids = list(
            User.objects.filter(pk=guide.content_owner_person_id, is_active=True).values_list("pk", flat=True)
        )
        if ids:
            return ids
    department = guide.content_owner_department
    if department is not None:
        if department.head_id and User.objects.filter(pk=department.head_id, is_active=True).exists():
            return [department.head_id]
        ids = list(User.objects.filter(department=department, is_active=True).values_list("pk", flat=True))
        if ids:
            return ids
    return [guide.owner_id] if guide.owner_id else []


def review_remind(*, today: date) -> list[ReviewReminder]:
    """Remind the owners of guides whose review date has come. Idempotent per day (one ReviewReminder per
    guide and date, a unique constraint); while a review stays overdue the reminder comes back every
    KOTJE_REVIEW_REMINDER_INTERVAL_DAYS days."""
    interval = timedelta(days=settings.KOTJE_REVIEW_REMINDER_INTERVAL_DAYS)
    recently_reminded = ReviewReminder.objects.filter(sent_on__gt=today - interval).values("guide_id")
    due = (
        GuidePage.objects.live()
        .review_due(today)
        .exclude(pk__in=recently_reminded)
        .select_related("content_owner_department")
        .defer_streamfields()
        .order_by("next_review_on", "pk")
    )
    sent = []
    for guide in due:
        try:
            with transaction.atomic():
                recipients = review_recipients(guide)
                reminder = ReviewReminder.objects.create(
                    guide=guide, sent_on=today, recipients=len(recipients)
                )
                notify(
                    recipients=recipients,
                    verb="kotje_review_due",
                    text=_(
                        "Le guide « %(title)s » devait être relu le %(date)s : vérifiez qu'il est toujours "
                        "exact, puis mettez à jour ses dates de relecture."
                    )
                    % {"title": guide.title, "date": date_format(guide.next_review_on, "j F Y")},
                    # The guide itself: its owner sees the feedback there, and the edit link if they may edit.
                    url=guide.get_url() or "",
                    email=True,
                )
        except IntegrityError:
            continue  # another run sent today's reminder meanwhile
        sent.append(reminder)
    return sent
