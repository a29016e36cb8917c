"""Salons, memberships, messages, and the Matrix bridge's state (puppet accounts, sync token)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from intranet.dashboard import TopicQuerySetMixin

from .choices import MemberRole, MessageSource, NotificationLevel, SalonKind

# The home page's « Mes salons » panel (apps.py) reads salons, memberships and messages: bulk writes bump it
# too (saves and deletes: the receivers connected in apps.py).
DASHBOARD_TOPIC = "chat"


class SalonQuerySet(TopicQuerySetMixin, models.QuerySet):
    dashboard_topics = (DASHBOARD_TOPIC,)

    def active(self):
        return self.filter(archived=False)

    def for_member(self, user):
        return self.filter(memberships__user=user)

    def joinable_by(self, user):
        """Open salons the agent is not in yet."""
        return self.active().filter(kind=SalonKind.OPEN).exclude(memberships__user=user)


class Salon(models.Model):
    name = models.CharField(_("nom"), max_length=120)
    topic = models.CharField(_("sujet"), max_length=500, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=SalonKind.choices, default=SalonKind.PROJECT)
    department = models.ForeignKey(
        "people.Department",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="salons",
    )
    # Direct messages: "<smaller user id>:<larger user id>", so two agents share exactly one conversation.
    direct_key = models.CharField(max_length=40, null=True, blank=True, unique=True, editable=False)
    archived = models.BooleanField(_("archivé"), default=False)
    retention_days = models.PositiveIntegerField(
        _("durée de conservation (jours)"),
        null=True,
        blank=True,
        help_text=_("Vide : les messages sont conservés sans limite."),
    )
    matrix_room_id = models.CharField(_("salon Matrix"), max_length=255, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = SalonQuerySet.as_manager()

    class Meta:
        verbose_name = _("salon")
        verbose_name_plural = _("salons")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department"],
                condition=Q(kind=SalonKind.DEPARTMENT),
                name="chat_one_salon_per_department",
            ),
            models.CheckConstraint(
                condition=Q(retention_days__isnull=True) | Q(retention_days__gte=1),
                name="chat_retention_positive",
            ),
        ]

    def __str__(self):
        return self.name

    def group_name(self) -> str:
        return f"chat.salon.{self.pk}"


class MembershipQuerySet(TopicQuerySetMixin, models.QuerySet):
    dashboard_topics = (DASHBOARD_TOPIC,)


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="salon_memberships"
    )
    salon = models.ForeignKey(Salon, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER)
    notification_level = models.CharField(
        _("notifications"),
        max_length=20,
        choices=NotificationLevel.choices,
        default=NotificationLevel.MENTIONS,
    )
    # The id of the last message read; unread = later messages by others (ids grow with time).
    last_read_id = models.BigIntegerField(default=0)
    joined_at = models.DateTimeField(auto_now_add=True)
    matrix_joined = models.BooleanField(default=False, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [models.UniqueConstraint(fields=["user", "salon"], name="chat_one_membership")]

    def __str__(self):
        return f"{self.user} @ {self.salon}"

    @property
    def is_moderator(self) -> bool:
        return self.role == MemberRole.MODERATOR


class MessageQuerySet(TopicQuerySetMixin, models.QuerySet):
    dashboard_topics = (DASHBOARD_TOPIC,)

    def visible(self):
        return self.filter(deleted_at__isnull=True)

    def pending_outbound(self):
        """Web messages not yet on Matrix, oldest first (the bridge's outbound queue)."""
        return self.filter(
            source=MessageSource.WEB, matrix_event_id__isnull=True, deleted_at__isnull=True
        ).order_by("id")


class Message(models.Model):
    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    salon = models.ForeignKey(Salon, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Someone outside the intranet who wrote from Matrix: their Matrix id and display name.
    matrix_sender = models.CharField(max_length=255, blank=True)
    sender_name = models.CharField(max_length=255, blank=True)
    text = models.TextField(_("message"))
    html = models.TextField(editable=False)  # rendered once at write time from the safe Markdown subset
    source = models.CharField(max_length=10, choices=MessageSource.choices, default=MessageSource.WEB)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    matrix_event_id = models.CharField(max_length=255, null=True, blank=True, unique=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["salon", "id"], name="chat_message_salon_id")]

    def __str__(self):
        return self.text[:60]

    @property
    def time_label(self) -> str:
        """The one time format of a message, in the page and live (chat.serializers)."""
        from .serializers import time_label

        return time_label(self.created_at)

    @property
    def changed_at(self):
        """When this message last changed (posted, edited, deleted): the version a page keeps."""
        return max(t for t in (self.created_at, self.edited_at, self.deleted_at) if t)

    @property
    def display_author(self) -> str:
        if self.author_id:
            return self.author.get_full_name() or self.author.get_username()
        return self.sender_name or self.matrix_sender


class MatrixAccount(models.Model):
    """An agent's Matrix puppet. The access token is Fernet-encrypted and never leaves the server."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="matrix_account"
    )
    matrix_user_id = models.CharField(max_length=255, unique=True)
    token_encrypted = models.TextField(blank=True, editable=False)
    deactivated = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("compte Matrix")
        verbose_name_plural = _("comptes Matrix")

    def __str__(self):
        return self.matrix_user_id


class BridgeState(models.Model):
    """Key/value state of the bridge: the sync token, the bot's encrypted token."""

    key = models.CharField(max_length=60, unique=True)
    value = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.key
