from django.db import models
from django.utils.translation import gettext_lazy as _


class StepKind(models.TextChoices):
    VISA = "visa", _("visa")
    SIGNATURE = "signature", _("signature")
    OPINION = "opinion", _("avis")


class StepMode(models.TextChoices):
    """How many of the desk's actors must approve: one of them, every member, or a quorum of N."""

    ONE = "one", _("un membre du bureau")
    ALL = "all", _("tous les membres du bureau")
    QUORUM = "quorum", _("un quorum")


class CircuitStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("en cours")
    APPROVED = "approved", _("terminé")
    REJECTED = "rejected", _("rejeté")
    STOPPED = "stopped", _("arrêté")


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("à venir")
    ACTIVE = "active", _("en cours")
    APPROVED = "approved", _("validée")
    REJECTED = "rejected", _("rejetée")
    CANCELLED = "cancelled", _("interrompue")


class Decision(models.TextChoices):
    APPROVE = "approve", _("approuvé")
    REJECT = "reject", _("rejeté")
    ANNOTATE = "annotate", _("annotation")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("publique")
    PRIVATE = "private", _("privée")
