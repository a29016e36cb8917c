from django.db import models
from django.utils.translation import gettext_lazy as _


class Result(models.TextChoices):
    SUCCESS = "success", _("réussi")
    FAILURE = "failure", _("échoué")
    DENIED = "denied", _("refusé")
