"""Visa and signature circuits (« parapheur »): desks, circuit templates, circuits on one exact version of a
document, the actions taken at each step, and dated delegations.

Rules live in actions.py and permissions.py; this module holds fields, constraints and QuerySet verbs.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import CircuitStatus, Decision, StepKind, StepMode, StepStatus, Visibility


class Desk(models.Model):
    """A role held by one or more agents (« DGS », « Direction des finances »): circuit steps go to desks,
    not to persons."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("membres"), blank=True, related_name="circuit_desks"
    )
    # An inactive desk is offered to no new template step; circuits already under way keep it.
    active = models.BooleanField(_("actif"), default=True, db_default=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("bureau")
        verbose_name_plural = _("bureaux")
        ordering = ["name"]
        # « Administrateur des circuits »: creates and edits desks and templates on /parapheur/administration/
        # (superusers too). Given to a group in the Django admin.
        permissions = [("manage_circuits", _("Administrateur des circuits"))]

    def __str__(self):
        return self.name


class CircuitTemplate(models.Model):
    """A circuit model chosen for a type of document: its ordered steps are copied into each circuit when it
    is submitted, so that editing the template never changes a circuit under way."""

    name = models.CharField(_("nom"), max_length=200, unique=True)
    document_type = models.CharField(
        _("type de document"), max_length=120, blank=True, help_text=_("Par exemple « Délibération ».")
    )
    active = models.BooleanField(_("proposé aux agents"), default=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("modèle de circuit")
        verbose_name_plural = _("modèles de circuit")
        ordering = ["name"]

    def __str__(self):
        return self.name


class TemplateStep(models.Model):
    template = models.ForeignKey(
        CircuitTemplate, verbose_name=_("modèle"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("ordre"))
    kind = models.CharField(_("nature"), max_length=10, choices=StepKind.choices, default=StepKind.VISA)
    desk = models.ForeignKey(Desk, verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("validation"), max_length=10, choices=StepMode.choices, default=StepMode.ONE)
    quorum = models.PositiveSmallIntegerField(_("quorum"), null=True, blank=True)
    deadline_days = models.PositiveSmallIntegerField(_("délai en jours"), null=True, blank=True)

    class Meta:
        verbose_name = _("étape de modèle")
        verbose_name_plural = _("étapes de modèle")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="circuits_tstep_unique_position"),
            models.CheckConstraint(
                condition=~Q(mode=StepMode.QUORUM) | Q(quorum__gte=1), name="circuits_tstep_quorum"
            ),
        ]

    def __str__(self):
        return f"{self.template_id} #{self.position} {self.kind} {self.desk_id}"


class CircuitQuerySet(models.QuerySet):
    def in_progress(self):
        return self.filter(status=CircuitStatus.IN_PROGRESS)


class Circuit(models.Model):
    """One document, one exact version (and its SHA-256), going through the steps copied from a template.

    `version` is the version the steps act on: it moves forward only when the circuit itself adds a version
    (the PAdES-signed PDF), and any other new version of the document stops the circuit. `submitted_version`
    and `submitted_sha256` keep what was submitted, for the page and the bordereau."""

    document = models.ForeignKey(
        "ged.Document", verbose_name=_("document"), on_delete=models.CASCADE, related_name="circuits"
    )
    # Versions are deleted only with their document (a purge), which deletes its circuits too.
    version = models.ForeignKey(
        "ged.Version", verbose_name=_("version"), on_delete=models.CASCADE, related_name="+"
    )
    version_sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    # Empty on rows an older release inserted (it did not know these columns, hence the database default):
    # readers then fall back on `version`, which such a release never moved (`first_version`).
    submitted_version = models.ForeignKey(
        "ged.Version",
        verbose_name=_("version soumise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    submitted_sha256 = models.CharField(
        _("empreinte SHA-256 de la version soumise"), max_length=64, blank=True, default="", db_default=""
    )
    template = models.ForeignKey(
        CircuitTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="circuits"
    )
    name = models.CharField(_("circuit"), max_length=200)
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="submitted_circuits",
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    status = models.CharField(
        _("état"), max_length=12, choices=CircuitStatus.choices, default=CircuitStatus.IN_PROGRESS
    )
    # The active step's position (1-based); the last position once finished.
    position = models.PositiveSmallIntegerField(_("étape en cours"), default=1)
    submitted_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    stop_reason = models.CharField(_("motif d'arrêt"), max_length=500, blank=True)

    objects = CircuitQuerySet.as_manager()

    class Meta:
        verbose_name = _("circuit")
        verbose_name_plural = _("circuits")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["document", "submitted_at"], name="circuits_circuit_doc")]
        constraints = [
            # One circuit at a time on a document: a second submission is refused by the action first.
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(status=CircuitStatus.IN_PROGRESS),
                name="circuits_one_in_progress",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.document_id})"

    @property
    def finished(self) -> bool:
        return self.status != CircuitStatus.IN_PROGRESS

    @property
    def first_version(self):
        """The version submitted (select_related `submitted_version` to read it without a query)."""
        return self.submitted_version if self.submitted_version_id else self.version

    @property
    def first_sha256(self) -> str:
        return self.submitted_sha256 if self.submitted_version_id else self.version_sha256

    @property
    def signed_version(self):
        """The PAdES-signed version the circuit added, or None while the steps still act on the submitted
        version."""
        if self.submitted_version_id and self.version_id != self.submitted_version_id:
            return self.version
        return None


class CircuitStepQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=StepStatus.ACTIVE, circuit__status=CircuitStatus.IN_PROGRESS)

    def late(self, now=None):
        return self.active().filter(due_at__lt=now or timezone.now())


class CircuitStep(models.Model):
    """A template step copied into a circuit. `required`: how many distinct approvals complete it, fixed when
    the step starts (1, every member then, or the quorum)."""

    circuit = models.ForeignKey(Circuit, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("ordre"))
    kind = models.CharField(_("nature"), max_length=10, choices=StepKind.choices)
    desk = models.ForeignKey(Desk, verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="steps")
    mode = models.CharField(_("validation"), max_length=10, choices=StepMode.choices)
    quorum = models.PositiveSmallIntegerField(_("quorum"), null=True, blank=True)
    required = models.PositiveSmallIntegerField(_("approbations requises"), default=1)
    deadline_days = models.PositiveSmallIntegerField(_("délai en jours"), null=True, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=StepStatus.choices, default=StepStatus.WAITING
    )
    started_at = models.DateTimeField(_("commencée le"), null=True, blank=True)
    due_at = models.DateTimeField(_("échéance"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("relancée le"), null=True, blank=True)

    objects = CircuitStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("étape de circuit")
        verbose_name_plural = _("étapes de circuit")
        ordering = ["circuit", "position"]
        indexes = [models.Index(fields=["status", "desk"], name="circuits_step_status_desk")]
        constraints = [
            models.UniqueConstraint(fields=["circuit", "position"], name="circuits_step_unique_position"),
            models.CheckConstraint(condition=Q(required__gte=1), name="circuits_step_required"),
        ]

    def __str__(self):
        return f"{self.circuit_id} #{self.position}"

    @property
    def late(self) -> bool:
        return bool(self.status == StepStatus.ACTIVE and self.due_at and self.due_at < timezone.now())


class StepAction(models.Model):
    """What one agent did at a step: approve, reject (with its reason) or annotate. A decision records the
    exact version and its SHA-256 (the simple electronic signature) and, when a deputy acted, « pour le compte
    de » whom. `seat` is whose decision it counts as (the absent agent for a deputy): one decision per seat
    and step, held by the database."""

    circuit = models.ForeignKey(Circuit, on_delete=models.CASCADE, related_name="actions")
    step = models.ForeignKey(CircuitStep, on_delete=models.CASCADE, related_name="actions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("agent"), max_length=200)
    desk = models.ForeignKey(Desk, verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+")
    seat = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    delegation = models.ForeignKey(
        "Delegation", null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    on_behalf_of = models.CharField(_("pour le compte de"), max_length=200, blank=True)
    decision = models.CharField(_("décision"), max_length=10, choices=Decision.choices)
    visibility = models.CharField(
        _("visibilité"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    text = models.TextField(_("motif ou annotation"), blank=True)
    at = models.DateTimeField(_("le"), default=timezone.now)
    version = models.ForeignKey("ged.Version", on_delete=models.CASCADE, related_name="+")
    version_sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("action sur un circuit")
        verbose_name_plural = _("actions sur les circuits")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "seat"],
                condition=Q(decision__in=[Decision.APPROVE, Decision.REJECT]),
                name="circuits_action_one_decision_per_seat",
            ),
            models.CheckConstraint(
                condition=~Q(decision=Decision.REJECT) | ~Q(text=""), name="circuits_action_reject_reason"
            ),
        ]

    def __str__(self):
        return f"{self.step_id} {self.decision} {self.actor_label}"


class DelegationQuerySet(models.QuerySet):
    def current(self, day=None):
        day = day or timezone.localdate()
        return self.filter(revoked_at__isnull=True, start__lte=day, end__gte=day)


class Delegation(models.Model):
    """From `start` to `end` (inclusive), `deputy` acts for a desk, or for an absent agent (`person`) on
    every desk that agent holds; each action is then logged « pour le compte de » the desk or the agent."""

    desk = models.ForeignKey(
        Desk,
        verbose_name=_("bureau"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="delegations",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent absent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="circuit_delegations_given",
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("suppléant"),
        on_delete=models.CASCADE,
        related_name="circuit_delegations_received",
    )
    start = models.DateField(_("du"))
    end = models.DateField(_("au"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        verbose_name = _("délégation")
        verbose_name_plural = _("délégations")
        ordering = ["-start", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(desk__isnull=False, person__isnull=True)
                | Q(desk__isnull=True, person__isnull=False),
                name="circuits_delegation_one_target",
            ),
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="circuits_delegation_dates"),
            models.CheckConstraint(condition=~Q(person=F("deputy")), name="circuits_delegation_not_self"),
        ]

    def __str__(self):
        return f"{self.desk_id or self.person_id} → {self.deputy_id} ({self.start}–{self.end})"
