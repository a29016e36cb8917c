from django.db import models
from django.utils.translation import gettext_lazy as _


class QuarantineReason(models.TextChoices):
    NONE = "none", _("aucun matricule lu")
    UNKNOWN = "unknown", _("matricule inconnu")
    SEVERAL = "several", _("plusieurs matricules connus")
    DUPLICATE = "duplicate", _("matricule en double dans le dépôt")


class QuarantineOutcome(models.TextChoices):
    ASSIGNED = "assigned", _("remise à un agent")
    DISCARDED = "discarded", _("écartée")
