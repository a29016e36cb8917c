"""The agenda: event pages (Wagtail, with an audience like news), the agents' registrations and the secret
keys of their calendar feeds."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from intranet import registry
from intranet.audience import AUDIENCE_PANELS, AudienceMixin, AudiencePageForm, audience_q

from .choices import RegistrationStatus

DASHBOARD_TOPIC = "events"  # registrations changed (bumped for the agents concerned); pages bump « pages »
RESERVED_SLUGS = {"liste", "abonnement", "flux"}  # routes of the agenda itself (events/urls.py)


class EventIndexPage(Page):
    """The agenda's place in the page tree (/agenda/): events are its children. The agenda itself (month and
    list) is served by events.views at the same address."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["news.HomePage"]
    subpage_types = ["events.EventPage"]
    max_count = 1

    class Meta:
        verbose_name = _("agenda")


class EventPageForm(AudiencePageForm):
    """The admin form: a linked room booking must be one the editor may link (the rooms app decides)."""

    def clean(self):
        cleaned = super().clean()
        booking_id = cleaned.get("room_booking_id")
        link = registry.room_booking_link()
        if booking_id and link is not None and booking_id != getattr(self.instance, "room_booking_id", None):
            error = link.validate(booking_id, self.for_user)
            if error:
                self.add_error("room_booking_id", error)
        return cleaned


class EventPageQuerySet(PageQuerySet):
    def for_user(self, user):
        """Live events addressed to `user`, and those they organise."""
        condition = audience_q(self.model, user)
        if getattr(user, "is_authenticated", False):
            condition |= Q(organiser=user) | Q(owner=user)
        return self.live().filter(condition)

    def between(self, start, end):
        """Events overlapping [start, end)."""
        return self.filter(start__lt=end, end__gt=start)

    def upcoming(self, now=None):
        return self.filter(end__gt=now or timezone.now())


EventPageManager = PageManager.from_queryset(EventPageQuerySet)


class EventPage(RoutablePageMixin, AudienceMixin, Page):
    """An event of the agenda. Agents outside its audience get a 404, as for a page that does not exist;
    its organiser and author always see it."""

    intro = models.TextField(_("chapeau"), max_length=500, blank=True)
    body = RichTextField(
        _("description"), blank=True, features=["h2", "h3", "bold", "italic", "link", "ol", "ul"]
    )
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    place = models.CharField(
        _("lieu"), max_length=200, blank=True, help_text=_("Par exemple « Salle du conseil, Hazebrouck ».")
    )
    room_booking_id = models.PositiveIntegerField(
        _("réservation de salle (numéro)"),
        null=True,
        blank=True,
        help_text=_(
            "Le numéro d'une de vos réservations de salle : la salle devient le lieu de l'événement."
        ),
    )
    online_url = models.URLField(_("lien de la réunion en ligne"), blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organisateur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Il peut annuler l'événement et voit la liste des inscrits. Par défaut : l'auteur."),
    )
    registration_enabled = models.BooleanField(_("inscription"), default=False)
    capacity = models.PositiveIntegerField(
        _("nombre de places"),
        null=True,
        blank=True,
        help_text=_("Vide : sans limite. Au-delà, les agents s'inscrivent en liste d'attente."),
    )
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True, editable=False)
    cancel_reason = models.CharField(_("motif d'annulation"), max_length=500, blank=True, editable=False)

    objects = EventPageManager()
    base_form_class = EventPageForm

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("start"), FieldPanel("end")])], heading=_("Date et heure")
        ),
        MultiFieldPanel(
            [FieldPanel("place"), FieldPanel("room_booking_id"), FieldPanel("online_url")],
            heading=_("Lieu"),
        ),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("organiser"),
                FieldRowPanel([FieldPanel("registration_enabled"), FieldPanel("capacity")]),
            ],
            heading=_("Organisation et inscription"),
        ),
        *AUDIENCE_PANELS,
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["events.EventIndexPage"]
    subpage_types: list = []

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="events_start_before_end")
        ]
        indexes = [models.Index(fields=["start"], name="events_start")]

    def clean(self):
        super().clean()
        if self.start and self.end and self.start >= self.end:
            raise ValidationError({"end": _("La fin doit être après le début.")})
        if self.slug in RESERVED_SLUGS:
            raise ValidationError(
                {"slug": _("Cette adresse est réservée par l'agenda : choisissez-en une autre.")}
            )
        if self.capacity is not None and not self.registration_enabled:
            raise ValidationError({"capacity": _("Un nombre de places n'a de sens qu'avec l'inscription.")})
        if self.room_booking_id:
            link = registry.room_booking_link()
            if link is None:
                raise ValidationError(
                    {"room_booking_id": _("Les réservations de salle ne sont pas disponibles.")}
                )

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def organiser_id_or_owner(self):
        return self.organiser_id or self.owner_id

    def serve(self, request, *args, **kwargs):
        from .permissions import can_see

        if not can_see(request.user, self):
            raise Http404
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .queries import event_detail_context

        context = super().get_context(request, *args, **kwargs)
        context.update(event_detail_context(request, self))
        return context

    @path("inscription/", name="register")
    def register_view(self, request):
        from .views import register

        return register(request, self)

    @path("desinscription/", name="unregister")
    def unregister_view(self, request):
        from .views import unregister

        return unregister(request, self)

    @path("annuler/", name="cancel")
    def cancel_view(self, request):
        from .views import cancel

        return cancel(request, self)

    @path("ical/", name="ical")
    def ical_view(self, request):
        from .views import event_ical

        return event_ical(request, self)


class Registration(models.Model):
    """An agent's place at an event: registered, or waiting (first come, first promoted). Cancelling deletes
    the row, so the agent may register again later."""

    event = models.ForeignKey(EventPage, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations"
    )
    status = models.CharField(_("statut"), max_length=16, choices=RegistrationStatus.choices)
    created_at = models.DateTimeField(_("inscrit·e le"), default=timezone.now)
    promoted_at = models.DateTimeField(_("sorti·e de la liste d'attente le"), null=True, blank=True)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="events_registration_once")]
        indexes = [models.Index(fields=["event", "status", "created_at"], name="events_reg_queue")]

    def __str__(self):
        return f"{self.user_id} → {self.event_id} ({self.status})"


def _new_key() -> str:
    return secrets.token_hex(16)


class FeedKey(models.Model):
    """The revocable part of an agent's signed agenda feed address: the address carries a signature of
    (agent, key); a new key makes every older address invalid."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_feed_key"
    )
    key = models.CharField(max_length=32, default=_new_key, editable=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("clé d'abonnement à l'agenda")
        verbose_name_plural = _("clés d'abonnement à l'agenda")

    def __str__(self):
        return f"{self.user_id}"
