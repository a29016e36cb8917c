"""Sites, rooms, equipment, bookings and series.

No double booking is a database rule: see `BOOKING_NO_OVERLAP` (PostgreSQL exclusion constraint) and the
SQLite triggers, both created by migration 0002 (the constraint is kept out of `Meta.constraints` because
Django would also try to create it on SQLite, which has no GiST).
"""

import hashlib
from datetime import time

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from intranet.dashboard import TopicQuerySetMixin
from intranet.french import ArticleField

from .choices import BLOCKING_STATUSES, BookingStatus, Energy, Frequency, ResourceKind

# The home page's booking panels (apps.py) read rooms and bookings: bulk writes bump them too (saves and
# deletes: dashboard.py).
DASHBOARD_TOPIC = "rooms"


class TsTzRange(models.Func):
    """`tstzrange(start, end, '[)')`: the half-open span the exclusion constraint and the GiST index use."""

    function = "TSTZRANGE"

    @property
    def output_field(self):
        from django.contrib.postgres.fields import DateTimeRangeField

        return DateTimeRangeField()


class Equipment(models.Model):
    name = models.CharField(_("nom"), max_length=80, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("équipement")
        verbose_name_plural = _("équipements")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Site(models.Model):
    name = models.CharField(_("nom"), max_length=120)
    article = ArticleField()
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    building = models.CharField(_("bâtiment"), max_length=120, blank=True)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    commune = models.ForeignKey(
        "people.Organisation",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="room_sites",
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]

    def __str__(self):
        return self.name


class RoomQuerySet(TopicQuerySetMixin, models.QuerySet):
    dashboard_topics = (DASHBOARD_TOPIC,)

    def active(self):
        return self.filter(is_active=True)


_OPEN_DAYS = RegexValidator(
    r"^[1-7]{1,7}$", _("Indiquez les jours d'ouverture par leurs numéros (1 = lundi).")
)


class Room(models.Model):
    """A bookable resource: a meeting room, a pool vehicle or an item of loan equipment (`kind`)."""

    kind = models.CharField(
        _("type de ressource"),
        max_length=10,
        choices=ResourceKind.choices,
        default=ResourceKind.ROOM,
        db_default=ResourceKind.ROOM,
    )
    name = models.CharField(_("nom"), max_length=120)
    article = ArticleField()
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="rooms")
    floor = models.CharField(_("étage"), max_length=40, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("capacité"), validators=[MinValueValidator(1), MaxValueValidator(2000)]
    )
    equipment = models.ManyToManyField(
        Equipment, verbose_name=_("équipements"), blank=True, related_name="rooms"
    )
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("réservable"), default=True)
    bookable_by_all = models.BooleanField(
        _("réservable par tous les agents"),
        default=True,
        help_text=_("Sinon, seuls les agents des services indiqués (et de leurs sous-services) réservent."),
    )
    allowed_departments = models.ManyToManyField(
        "people.Department", verbose_name=_("services autorisés"), blank=True, related_name="bookable_rooms"
    )
    requires_approval = models.BooleanField(_("réservation soumise à validation"), default=False)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("gestionnaires"), blank=True, related_name="managed_rooms"
    )
    manager_department = models.ForeignKey(
        "people.Department",
        verbose_name=_("service gestionnaire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_rooms",
        help_text=_("Les agents de ce service valident aussi les réservations."),
    )
    # Pool vehicles (capacity = seats)
    plate = models.CharField(_("immatriculation"), max_length=12, blank=True, db_default="")
    energy = models.CharField(_("énergie"), max_length=10, choices=Energy.choices, blank=True, db_default="")
    range_km = models.PositiveSmallIntegerField(_("autonomie (km)"), null=True, blank=True)
    key_pickup = models.CharField(
        _("retrait des clés"),
        max_length=200,
        blank=True,
        db_default="",
        help_text=_("Où prendre et rendre les clés."),
    )
    # Loan equipment: booked by quantity, never more out than held (actions lock the resource row).
    quantity_held = models.PositiveSmallIntegerField(
        _("quantité détenue"),
        default=1,
        db_default=1,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )

    objects = RoomQuerySet.as_manager()

    class Meta:
        verbose_name = _("salle")
        verbose_name_plural = _("salles")
        ordering = ["site__name", "name"]

    def __str__(self):
        return self.name

    @property
    def policy(self) -> "BookingPolicy":
        """The rules this resource is booked under: its own policy, else its site's, else the defaults.
        Cached on the instance (see policies.policy_for)."""
        from .policies import policy_for

        return policy_for(self)


class BookingPolicy(models.Model):
    """The booking rules of one resource or of a whole site (admin « Règles de réservation »).

    A resource's own policy replaces its site's as a whole; a resource with neither follows `DEFAULTS`.
    Enforced in one place, `policies.check_slot` / `policies.check_quota`, by every booking action (pages,
    API, series)."""

    name = models.CharField(_("nom"), max_length=120)
    site = models.OneToOneField(
        Site,
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="policy",
        help_text=_("Règles de toutes les ressources du site qui n'ont pas les leurs."),
    )
    room = models.OneToOneField(
        Room,
        verbose_name=_("ressource"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="own_policy",
        help_text=_("Règles propres à une ressource : elles remplacent celles de son site."),
    )
    window_days = models.PositiveSmallIntegerField(
        _("réservable jusqu'à (jours à l'avance)"),
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(400)],
    )
    min_duration = models.PositiveSmallIntegerField(
        _("durée minimale (minutes)"), default=15, validators=[MinValueValidator(5), MaxValueValidator(1440)]
    )
    max_duration = models.PositiveSmallIntegerField(
        _("durée maximale (minutes)"), default=600, validators=[MinValueValidator(5), MaxValueValidator(1440)]
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("battement entre deux réservations (minutes)"),
        default=0,
        validators=[MaxValueValidator(240)],
        help_text=_("Temps libre exigé avant et après chaque réservation (ménage, recharge, clés)."),
    )
    opens_at = models.TimeField(_("ouverture"), default=time(8, 0))
    closes_at = models.TimeField(_("fermeture"), default=time(19, 0))
    open_days = models.CharField(
        _("jours d'ouverture"),
        max_length=7,
        default="12345",
        validators=[_OPEN_DAYS],
        help_text=_("Numéros des jours : 1 = lundi … 7 = dimanche, par exemple 12345."),
    )
    closed_on_public_holidays = models.BooleanField(_("fermé les jours fériés"), default=True)
    departments = models.ManyToManyField(
        "people.Department",
        verbose_name=_("services autorisés"),
        blank=True,
        related_name="+",
        help_text=_("Vide : tous les services. Un service inclut ses sous-services."),
    )
    employers = models.ManyToManyField(
        "people.Organisation",
        verbose_name=_("employeurs autorisés"),
        blank=True,
        related_name="+",
        help_text=_("Vide : tous les employeurs."),
    )
    max_active_bookings = models.PositiveSmallIntegerField(
        _("réservations en cours par agent (au plus)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Réservations à venir, en attente ou confirmées. Vide : sans limite."),
    )
    max_hours_per_week = models.PositiveSmallIntegerField(
        _("heures par semaine et par agent (au plus)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text=_("Semaine du lundi au dimanche. Vide : sans limite."),
    )
    max_series_occurrences = models.PositiveSmallIntegerField(
        _("occurrences par série (au plus)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text=_("Vide : la limite générale (200)."),
    )
    series_require_approval = models.BooleanField(
        _("les séries sont soumises à validation"),
        default=False,
        help_text=_("Même quand une réservation simple est confirmée aussitôt."),
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("règles de réservation")
        verbose_name_plural = _("règles de réservation")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(site__isnull=False) & Q(room__isnull=True))
                | (Q(site__isnull=True) & Q(room__isnull=False)),
                name="policy_for_a_site_or_a_resource",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")), name="policy_opens_before_closes"
            ),
            models.CheckConstraint(
                condition=Q(min_duration__lte=models.F("max_duration")), name="policy_min_duration_lte_max"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def open_weekdays(self) -> list[int]:
        return sorted({int(c) for c in self.open_days})


class BookingSeries(models.Model):
    """A recurrence rule kept for display and for "this and the following"; its occurrences are Bookings."""

    room = models.ForeignKey(Room, verbose_name=_("salle"), on_delete=models.PROTECT, related_name="series")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("demandeur"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("objet"), max_length=200)
    frequency = models.CharField(_("fréquence"), max_length=10, choices=Frequency.choices)
    interval = models.PositiveSmallIntegerField(_("intervalle"), default=1)
    weekdays = models.CharField(_("jours"), max_length=7, blank=True)
    first_date = models.DateField(_("première date"))
    until = models.DateField(_("jusqu'au"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("nombre d'occurrences"), null=True, blank=True)
    start_time = models.TimeField(_("début"))
    end_time = models.TimeField(_("fin"))
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("série de réservations")
        verbose_name_plural = _("séries de réservations")
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=False) | Q(count__isnull=False), name="series_has_an_end"
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__lte=200), name="series_count_cap"
            ),
        ]

    def __str__(self):
        return self.title


class BookingQuerySet(TopicQuerySetMixin, models.QuerySet):
    dashboard_topics = (DASHBOARD_TOPIC,)

    def blocking(self):
        return self.filter(status__in=BLOCKING_STATUSES)

    def overlapping(self, start, end):
        """Half-open [start, end): back-to-back bookings do not overlap."""
        return self.filter(start__lt=end, end__gt=start)

    def upcoming(self):
        return self.filter(end__gt=timezone.now())


class Booking(models.Model):
    room = models.ForeignKey(Room, verbose_name=_("salle"), on_delete=models.PROTECT, related_name="bookings")
    title = models.CharField(_("objet"), max_length=200)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandeur"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    attendees = models.PositiveSmallIntegerField(_("nombre de participants"), default=1)
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    status = models.CharField(
        _("statut"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décision par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décision le"), null=True, blank=True)
    decision_reason = models.CharField(_("motif"), max_length=500, blank=True)
    series = models.ForeignKey(
        BookingSeries,
        verbose_name=_("série"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="occurrences",
    )
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    reminded_at = models.DateTimeField(_("dernière relance"), null=True, blank=True)
    quantity = models.PositiveSmallIntegerField(_("quantité"), default=1, db_default=1)
    by_quantity = models.BooleanField(
        _("prêt à la quantité"),
        default=False,
        db_default=False,
        editable=False,
        help_text=_("Matériel : hors de la contrainte de non-chevauchement, borné par la quantité détenue."),
    )
    licence_confirmed_at = models.DateTimeField(_("permis confirmé le"), null=True, blank=True)
    policy_flag = models.CharField(
        _("hors des règles actuelles"),
        max_length=300,
        blank=True,
        help_text=_("Les règles ont changé après la réservation : elle est maintenue, à revoir."),
    )
    policy_flag_kept = models.CharField(
        _("écart maintenu par un gestionnaire"),
        max_length=300,
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "Le signalement qu'un gestionnaire a choisi de maintenir : il n'est plus signalé de nouveau."
        ),
    )

    history = HistoricalRecords(excluded_fields=["reminded_at"])
    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="booking_start_before_end"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & (Q(by_quantity=True) | Q(quantity=1)),
                name="booking_quantity_one_unless_loan",
            ),
        ]
        indexes = [
            models.Index(fields=["requester", "start"], name="booking_requester_start_idx"),
            models.Index(fields=["status", "start"], name="booking_status_start_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_blocking(self) -> bool:
        return self.status in BLOCKING_STATUSES

    @property
    def uid(self) -> str:
        """Stable iCalendar UID."""
        return f"booking-{self.pk}@rooms.intranet"


# PostgreSQL: same room, overlapping [start, end) spans, among pending or approved bookings (loans of
# equipment by quantity excepted: they are bounded by the quantity held, under a lock, see actions). Its
# GiST index also serves the free-room finder (see queries.free_rooms).
BOOKING_NO_OVERLAP = ExclusionConstraint(
    name="booking_no_overlap",
    expressions=[
        ("room", RangeOperators.EQUAL),
        (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
    ],
    condition=Q(status__in=[s.value for s in BLOCKING_STATUSES], by_quantity=False),
)


class VehicleReturn(models.Model):
    """What the driver notes when bringing a pool vehicle back (one per booking)."""

    booking = models.OneToOneField(
        Booking, verbose_name=_("réservation"), on_delete=models.CASCADE, related_name="vehicle_return"
    )
    mileage = models.PositiveIntegerField(
        _("kilométrage au retour"), validators=[MaxValueValidator(2_000_000)]
    )
    energy_level = models.PositiveSmallIntegerField(
        _("carburant ou charge au retour (%)"), validators=[MaxValueValidator(100)]
    )
    incident = models.TextField(_("incident ou anomalie"), max_length=2000, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rendu par"), on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(_("rendu le"), default=timezone.now)

    class Meta:
        verbose_name = _("retour de véhicule")
        verbose_name_plural = _("retours de véhicules")

    def __str__(self):
        return f"{self.booking_id} · {self.mileage} km"


class FeedToken(models.Model):
    """A secret that opens an agent's iCalendar feeds. Only its SHA-256 is stored; revoking deletes it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="room_feed_tokens",
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)

    class Meta:
        verbose_name = _("jeton de calendrier")
        verbose_name_plural = _("jetons de calendrier")

    def __str__(self):
        return f"{self.user_id} · {self.created_at:%Y-%m-%d}"

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()
