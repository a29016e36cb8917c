from django.db import models
from django.utils.translation import gettext_lazy as _


class StartEvent(models.TextChoices):
    """What starts the DUA; the date it happened is stored per document (DocumentRecord.event_date)."""

    CREATION = "creation", _("création du document")
    CLOSING = "closing", _("clôture du dossier")
    CONTRACT_END = "contract_end", _("fin du contrat")
    DELIBERATION = "deliberation", _("date de la délibération")
    DEPARTURE = "departure", _("départ de l'agent")
    FISCAL_YEAR = "fiscal_year", _("fin de l'exercice comptable")


class FinalDisposition(models.TextChoices):
    KEEP = "C", _("C — conserver (versement aux archives)")
    DESTROY = "D", _("D — détruire")
    SORT = "T", _("T — trier")


class ListStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposée, en attente du visa")
    APPROVED = "approved", _("visée, à exécuter")
    EXECUTED = "executed", _("exécutée")
    CANCELLED = "cancelled", _("abandonnée")
