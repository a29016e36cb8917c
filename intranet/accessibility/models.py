from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Compliance, ExceptionKind


class Statement(models.Model):
    """The editable part of the accessibility statement (one row, edited by IT in the technical admin):
    who publishes it and whom agents write to. The legal state comes from `Audit`, the evidence from
    `CheckRun`; neither is typed here."""

    publisher = models.CharField(
        _("entité"), max_length=200, default="Communauté de Communes de Flandre Intérieure"
    )
    contact_email = models.EmailField(_("adresse de contact"), blank=True)
    contact_form_url = models.URLField(_("formulaire de contact"), blank=True)
    contact_postal = models.TextField(_("adresse postale"), blank=True)
    updated_at = models.DateTimeField(_("mise à jour"), auto_now=True)

    class Meta:
        verbose_name = _("déclaration d'accessibilité")
        verbose_name_plural = _("déclaration d'accessibilité")

    def __str__(self):
        return str(_("Déclaration d'accessibilité"))

    @classmethod
    def current(cls) -> "Statement":
        statement, _created = cls.objects.get_or_create(pk=1)
        return statement


class PlanYear(models.Model):
    """One year of the multi-year accessibility plan (« schéma pluriannuel »), and its actions."""

    year = models.PositiveSmallIntegerField(_("année"), unique=True)
    actions = models.TextField(_("actions prévues"), help_text=_("Une action par ligne."))
    done = models.TextField(_("bilan"), blank=True, help_text=_("Ce qui a été fait, une ligne par action."))

    class Meta:
        ordering = ["year"]
        verbose_name = _("année du schéma pluriannuel")
        verbose_name_plural = _("schéma pluriannuel")

    def __str__(self):
        return str(self.year)

    def action_lines(self) -> list[str]:
        return [line.strip() for line in self.actions.splitlines() if line.strip()]

    def done_lines(self) -> list[str]:
        return [line.strip() for line in self.done.splitlines() if line.strip()]


class KnownException(models.Model):
    """A content or page known not to be accessible, and why (RGAA « contenus non accessibles »)."""

    kind = models.CharField(_("nature"), max_length=20, choices=ExceptionKind.choices)
    subject = models.CharField(_("contenu ou page"), max_length=200)
    detail = models.TextField(_("détail"), help_text=_("Ce qui ne va pas, et ce qui est proposé à la place."))
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["kind", "position", "pk"]
        verbose_name = _("contenu non accessible")
        verbose_name_plural = _("contenus non accessibles")

    def __str__(self):
        return self.subject


class Audit(models.Model):
    """A recorded RGAA audit: the only source of the statement's legal state. The rate is criteria met over
    criteria applicable; 100 % is « totalement conforme », 50 % and more « partiellement conforme »."""

    date = models.DateField(_("date de l'audit"))
    auditor = models.CharField(_("réalisé par"), max_length=200)
    rgaa_version = models.CharField(_("version du RGAA"), max_length=20, default="4.1.2")
    criteria_applicable = models.PositiveSmallIntegerField(_("critères applicables"))
    criteria_met = models.PositiveSmallIntegerField(_("critères respectés"))
    pages = models.TextField(_("pages de l'échantillon"), help_text=_("Une page par ligne."), blank=True)
    report_url = models.URLField(_("rapport"), blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        get_latest_by = "date"
        verbose_name = _("audit RGAA")
        verbose_name_plural = _("audits RGAA")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(criteria_met__lte=models.F("criteria_applicable")),
                name="accessibility_audit_met_lte_applicable",
            ),
            models.CheckConstraint(
                condition=models.Q(criteria_applicable__gt=0), name="accessibility_audit_applicable_positive"
            ),
        ]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} — {self.auditor}"

    @property
    def rate(self) -> Decimal:
        return (Decimal(self.criteria_met) * 100 / Decimal(self.criteria_applicable)).quantize(Decimal("0.1"))

    @property
    def compliance(self) -> str:
        if self.criteria_met == self.criteria_applicable:
            return Compliance.FULL
        if self.criteria_met * 2 >= self.criteria_applicable:
            return Compliance.PARTIAL
        return Compliance.NONE

    def page_lines(self) -> list[str]:
        return [line.strip() for line in self.pages.splitlines() if line.strip()]


class CheckRun(models.Model):
    """One run of the project's own automated checks (`manage.py accessibility_check`): axe-core on each
    page at each width, horizontal overflow, and the page's weight and requests on a cold cache. Evidence
    for the statement, never its legal state."""

    started_at = models.DateTimeField(_("début"), default=timezone.now)
    finished_at = models.DateTimeField(_("fin"), null=True, blank=True)
    base_url = models.CharField(_("adresse vérifiée"), max_length=200)
    browser = models.CharField(_("navigateur"), max_length=100)
    axe_version = models.CharField(_("version d'axe-core"), max_length=20)
    # [{"path", "label", "width", "violations": [{"id", "impact", "help", "nodes"}], "overflow",
    #   "bytes", "requests", "error"}]
    results = models.JSONField(_("résultats"), default=list)

    class Meta:
        ordering = ["-started_at", "-pk"]
        get_latest_by = "started_at"
        verbose_name = _("vérification automatique")
        verbose_name_plural = _("vérifications automatiques")

    def __str__(self):
        return f"{self.started_at:%d/%m/%Y %H:%M}"

    @property
    def violation_count(self) -> int:
        return sum(len(r.get("violations", [])) for r in self.results)

    @property
    def pages_with_errors(self) -> int:
        return sum(1 for r in self.results if r.get("error"))
