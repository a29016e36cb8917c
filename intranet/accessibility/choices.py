from django.db import models
from django.utils.translation import gettext_lazy as _


class Compliance(models.TextChoices):
    """The three legal states of an RGAA statement. Only an audit gives one; without it the site is « non
    conforme » (the law's rule, whatever the automated checks say)."""

    FULL = "totale", _("totalement conforme")
    PARTIAL = "partielle", _("partiellement conforme")
    NONE = "non", _("non conforme")


class ExceptionKind(models.TextChoices):
    NON_COMPLIANT = "non_conforme", _("Non-conformité")
    BURDEN = "charge", _("Dérogation pour charge disproportionnée")
    EXEMPT = "exempte", _("Contenu non soumis à l'obligation d'accessibilité")
