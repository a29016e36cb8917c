"""Management rules (type → DUA, starting event, final disposition), the type and due date of each
document, legal holds, and destruction lists with their items (kept after the documents are gone: they are
the proof)."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Document, Folder
from .choices import FinalDisposition, ListStatus, StartEvent


class RetentionRule(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    label = models.CharField(_("type de document"), max_length=200)
    dua_years = models.PositiveSmallIntegerField(_("DUA (années)"))
    start_event = models.CharField(_("événement de départ"), max_length=20, choices=StartEvent.choices)
    final_disposition = models.CharField(_("sort final"), max_length=1, choices=FinalDisposition.choices)
    communicability = models.CharField(
        _("communicabilité"), max_length=100, default=_("immédiate"), help_text=_("Par exemple « 50 ans ».")
    )
    notes = models.TextField(_("notes"), blank=True)
    example = models.BooleanField(
        _("exemple à valider par l'archiviste"),
        default=False,
        help_text=_("Règle d'exemple fournie avec l'intranet : pas la table officielle."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("règle de gestion")
        verbose_name_plural = _("règles de gestion")
        permissions = [
            ("archivist", _("Archiviste : gels, propositions d'élimination, versements")),
            ("approve_destruction", _("Visa des éliminations (second rôle)")),
        ]
        constraints = [models.CheckConstraint(condition=Q(dua_years__lte=200), name="retention_rule_dua_max")]

    def __str__(self):
        return f"{self.code} — {self.label}"


def add_years(day: datetime.date, years: int) -> datetime.date:
    """`day` plus `years`; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class RecordQuerySet(models.QuerySet):
    def due(self, day=None):
        return self.filter(due_date__lte=day or timezone.localdate())


class DocumentRecord(models.Model):
    """A document's type (its rule), the date of the rule's starting event and the computed due date."""

    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="retention_record")
    rule = models.ForeignKey(RetentionRule, verbose_name=_("règle"), on_delete=models.PROTECT)
    event_date = models.DateField(_("date de l'événement de départ"))
    due_date = models.DateField(_("échéance de la DUA"), db_index=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)
    # Set from a folder's default type when the rule's event (closing, contract end…) had not happened yet:
    # the due date is counted from the document's creation until someone gives the real date. A provisional
    # record is never proposed for destruction.
    provisional = models.BooleanField(_("date de l'événement à confirmer"), default=False, db_default=False)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("qualification d'un document")
        verbose_name_plural = _("qualifications des documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__gte=F("event_date")), name="retention_due_after_event"
            )
        ]

    def __str__(self):
        return f"{self.document_id} · {self.rule_id}"


class FolderRule(models.Model):
    """A folder's default type: every document created in it or below (unless a nearer folder says
    otherwise) gets this rule and a due date at once."""

    folder = models.OneToOneField(Folder, on_delete=models.CASCADE, related_name="retention_default")
    rule = models.ForeignKey(RetentionRule, verbose_name=_("règle"), on_delete=models.PROTECT)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("type par défaut d'un dossier")
        verbose_name_plural = _("types par défaut des dossiers")

    def __str__(self):
        return f"{self.folder_id} · {self.rule_id}"


class HoldQuerySet(models.QuerySet):
    def active(self, day=None):
        day = day or timezone.localdate()
        return self.filter(released_at__isnull=True, start_date__lte=day).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day)
        )


class LegalHold(models.Model):
    """A legal hold (gel): while active the document cannot be trashed, purged or destroyed."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="legal_holds")
    reason = models.CharField(_("motif"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsable"), on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(_("levé le"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = HoldQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("gel")
        verbose_name_plural = _("gels")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="retention_hold_dates",
            )
        ]

    def __str__(self):
        return self.reason


class DestructionList(models.Model):
    status = models.CharField(max_length=12, choices=ListStatus.choices, default=ListStatus.PROPOSED)
    include_sort = models.BooleanField(_("avec les règles à trier (T)"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    executed_at = models.DateTimeField(null=True, blank=True)
    slip_pdf = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = _("liste d'élimination")
        verbose_name_plural = _("listes d'élimination")
        constraints = [
            # The visa is a second person's: the database holds the rule too.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("proposed_by")),
                name="retention_list_second_person",
            )
        ]

    def __str__(self):
        return f"{self.pk} · {self.status}"


class DestructionItem(models.Model):
    """One document of a list, with what the slip prints copied in: the document itself is purged."""

    destruction_list = models.ForeignKey(DestructionList, on_delete=models.CASCADE, related_name="items")
    document = models.ForeignKey(Document, null=True, on_delete=models.SET_NULL, related_name="+")
    document_ref = models.PositiveBigIntegerField()
    title = models.CharField(max_length=255)
    rule_code = models.CharField(max_length=30)
    rule_label = models.CharField(max_length=200)
    event_date = models.DateField()
    due_date = models.DateField()
    sha256 = models.CharField(max_length=64, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.title
