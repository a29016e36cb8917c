"""Payslips (« Mon coffre agent »): each agent's payslips, the payroll batches HR deposits, the pages a batch
could not match (quarantine) and the download links given to leavers.

A payslip is readable by its agent only: no queryset here is ever listed for anyone else (see
permissions.py). Its bytes are a GED blob (content-addressed store), kept from the cleanup by the foreign
key (`ged.actions.blobs_sweep` keeps every blob a row of any model points to).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import QuarantineOutcome, QuarantineReason


class Batch(models.Model):
    """One deposit of a month's payroll by HR: one or more PDF files, split page by page."""

    period = models.DateField(_("mois de paie"), help_text=_("Premier jour du mois."))
    deposited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deposited_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    files = models.JSONField(_("fichiers"), default=list)  # the file names, for HR's summary
    pages = models.PositiveIntegerField(_("pages"), default=0)
    delivered = models.PositiveIntegerField(_("bulletins remis"), default=0)
    quarantined = models.PositiveIntegerField(_("pages en quarantaine"), default=0)

    class Meta:
        verbose_name = _("dépôt de paie")
        verbose_name_plural = _("dépôts de paie")
        ordering = ["-deposited_at", "-pk"]
        permissions = [("deposit_payslips", _("Déposer la paie (gestionnaire paie)"))]

    def __str__(self):
        return f"{self.period:%Y-%m} #{self.pk}"


class Payslip(models.Model):
    """One agent's payslip for one month: a one-page PDF cut from a batch (or assigned from quarantine)."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="payslips"
    )
    period = models.DateField(_("mois de paie"))
    blob = models.ForeignKey("ged.Blob", on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    size = models.BigIntegerField(_("taille"))
    deposited_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    deposited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    batch = models.ForeignKey(Batch, null=True, on_delete=models.SET_NULL, related_name="payslips")
    seen_at = models.DateTimeField(_("consulté le"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulletin de paie")
        verbose_name_plural = _("bulletins de paie")
        ordering = ["-period", "-pk"]
        indexes = [models.Index(fields=["agent", "-period"], name="payslip_agent_period_idx")]

    def __str__(self):
        return f"{self.period:%Y-%m} #{self.pk}"

    @property
    def filename(self) -> str:
        return f"bulletin-{self.period:%Y-%m}-{self.pk}.pdf"


class QuarantinePage(models.Model):
    """A page of a batch that matched no agent, or several: HR assigns it explicitly or discards it."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="quarantine")
    blob = models.ForeignKey("ged.Blob", on_delete=models.PROTECT, related_name="+")
    size = models.BigIntegerField(_("taille"))
    source_name = models.CharField(_("fichier d'origine"), max_length=255)
    page_number = models.PositiveIntegerField(_("page"))
    reason = models.CharField(_("motif"), max_length=20, choices=QuarantineReason.choices)
    found = models.JSONField(_("matricules lus"), default=list)
    outcome = models.CharField(
        _("suite donnée"), max_length=20, choices=QuarantineOutcome.choices, blank=True
    )
    resolved_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("page en quarantaine")
        verbose_name_plural = _("pages en quarantaine")
        ordering = ["batch", "source_name", "page_number", "pk"]

    def __str__(self):
        return f"{self.source_name} p. {self.page_number}"


class LeaverLink(models.Model):
    """A signed, single-use link sent to a leaver's personal address: a zip of all their payslips."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payslip_leaver_links"
    )
    email = models.EmailField(_("adresse personnelle"))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    used_at = models.DateTimeField(_("utilisé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("lien de départ")
        verbose_name_plural = _("liens de départ")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.agent_id} {self.created_at:%Y-%m-%d}"
