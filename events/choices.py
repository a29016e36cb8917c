from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("inscrit·e")
    WAITING = "waiting", _("en liste d'attente")
