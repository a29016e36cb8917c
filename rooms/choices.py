from django.db import models
from django.utils.translation import gettext_lazy as _


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("en attente de validation")
    APPROVED = "approved", _("confirmée")
    REJECTED = "rejected", _("refusée")
    CANCELLED = "cancelled", _("annulée")
    EXPIRED = "expired", _("expirée")


# A pending request holds its slot until a manager decides: nobody else can take it meanwhile.
BLOCKING_STATUSES = (BookingStatus.PENDING, BookingStatus.APPROVED)


class Frequency(models.TextChoices):
    DAILY = "daily", _("tous les jours")
    WEEKLY = "weekly", _("toutes les semaines")
    MONTHLY = "monthly", _("tous les mois")


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("lundi")
    TUESDAY = 2, _("mardi")
    WEDNESDAY = 3, _("mercredi")
    THURSDAY = 4, _("jeudi")
    FRIDAY = 5, _("vendredi")
    SATURDAY = 6, _("samedi")
    SUNDAY = 7, _("dimanche")


class ResourceKind(models.TextChoices):
    ROOM = "room", _("salle")
    VEHICLE = "vehicle", _("véhicule")
    EQUIPMENT = "equipment", _("matériel")


class Energy(models.TextChoices):
    FUEL = "fuel", _("thermique")
    HYBRID = "hybrid", _("hybride")
    ELECTRIC = "electric", _("électrique")
