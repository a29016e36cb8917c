from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .kinds import CONFIGURABLE, Delivery, Kind


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def digest_pending(self):
        """Waiting for the agent's next daily digest."""
        return self.filter(mail=Delivery.DIGEST, emailed=False)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    verb = models.SlugField(_("type"), max_length=64, help_text=_("Par exemple booking_approved."))
    text = models.CharField(_("texte"), max_length=500)
    url = models.CharField(_("lien"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    emailed = models.BooleanField(_("envoyée par courriel"), default=False)
    # Derived from the verb by notify() (kinds.kind_for_verb) unless the caller names it.
    kind = models.CharField(_("catégorie"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    # Where it happened (a space, a salon, a room), to group the digest (« 3 nouvelles versions dans X »).
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    # Decided by notify() from the agent's preference: sent now, kept for the digest, or not mailed.
    mail = models.CharField(_("courriel"), max_length=10, choices=Delivery.choices, default=Delivery.NONE)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_recent"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_unread"),
            models.Index(
                fields=["recipient", "id"],
                condition=Q(mail=Delivery.DIGEST, emailed=False),
                name="notif_digest_pending",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How one kind of notification reaches one agent's mailbox. No row: the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("catégorie"), max_length=20, choices=[(k, Kind(k).label) for k in CONFIGURABLE])
    delivery = models.CharField(_("courriel"), max_length=10, choices=Delivery.choices)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notif_pref_one_per_kind")]

    def __str__(self):
        return f"{self.user_id} {self.kind}: {self.delivery}"
