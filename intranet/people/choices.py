from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    INTERCOMMUNALITY = "intercommunality", _("Intercommunalité")
    COMMUNE = "commune", _("Commune")
    OTHER = "other", _("Autre organisme")


class DepartmentKind(models.TextChoices):
    DIRECTION = "direction", _("Direction")
    SERVICE = "service", _("Service")


class TeamRole(models.TextChoices):
    """The neutral roles of a group-backed team, weakest first; the apps that serve a team (GED, chat) map
    them to their own."""

    READER = "reader", _("lecteur")
    CONTRIBUTOR = "contributor", _("contributeur")
    MANAGER = "manager", _("responsable")


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("lundi")
    TUESDAY = 2, _("mardi")
    WEDNESDAY = 3, _("mercredi")
    THURSDAY = 4, _("jeudi")
    FRIDAY = 5, _("vendredi")


class AbsenceVisibility(models.TextChoices):
    """What colleagues see of an absence. The reason is never shown to anyone but the agent."""

    DATES = "dates", _("Mes collègues voient les dates de mon absence")
    ABSENT_ONLY = "absent", _("Mes collègues voient seulement que je suis absent·e, sans les dates")


class AbsenceSource(models.TextChoices):
    AGENT = "agent", _("Déclarée par l'agent")
    HR = "hr", _("Importée du logiciel RH")


class PresenceStatus(models.TextChoices):
    OFFICE = "office", _("Au bureau")
    REMOTE = "remote", _("En télétravail")
    ABSENT = "absent", _("Absent·e")
    OFF = "off", _("Ne travaille pas ce jour")
    UNKNOWN = "unknown", _("Non renseigné")
