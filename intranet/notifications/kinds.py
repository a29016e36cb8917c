"""Kinds of notifications and how each may reach the agent's mailbox.

A notification's kind is derived from its verb through one mapping (`kind_for_verb`): an exact verb first,
then the longest dotted prefix (`ged.version` → `ged`), then `OTHER`. A caller may also pass `kind=` to
`notify()` explicitly. New apps add their verbs' prefixes to `VERB_KINDS`, nothing else.

Kinds in `CONFIGURABLE` appear on /compte/notifications/ and the agent chooses, per kind, immediate e-mail,
a daily digest or no e-mail (in-app always). `ACCOUNT` (security notices about the agent's own account) is
not configurable: it is mailed at once whenever the caller asks for e-mail, and carries no unsubscribe link.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    NEWS = "news", _("Actualités et guides")
    MUST_READ = "must_read", _("Actualités à lire obligatoirement")
    DOCUMENTS = "documents", _("Documents (nouvelles versions, partages)")
    BOOKINGS = "bookings", _("Réservations de salles")
    AGENDA = "agenda", _("Agenda (place obtenue, événement annulé)")
    CHAT = "chat", _("Mentions et messages de la messagerie")
    PROJECTS = "projects", _("Projets")
    CIRCUITS = "circuits", _("Circuits de validation et de signature")
    PAYSLIPS = "payslips", _("Bulletins de paie")
    OTHER = "other", _("Autres notifications")
    ACCOUNT = "account", _("Sécurité de votre compte")


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("Un courriel à chaque fois")
    DIGEST = "digest", _("Un résumé quotidien")
    NONE = "none", _("Aucun courriel")


# Kinds the agent chooses for, in the order of the preferences page.
CONFIGURABLE: tuple[str, ...] = (
    Kind.MUST_READ,
    Kind.NEWS,
    Kind.DOCUMENTS,
    Kind.BOOKINGS,
    Kind.AGENDA,
    Kind.CHAT,
    Kind.PROJECTS,
    Kind.CIRCUITS,
    Kind.PAYSLIPS,
    Kind.OTHER,
)

# What an agent who never opened the preferences page receives.
DEFAULTS: dict[str, str] = {
    Kind.MUST_READ: Delivery.IMMEDIATE,  # a deadline: it must be read soon
    Kind.NEWS: Delivery.IMMEDIATE,  # today: guide owners told a review is due (weekly, a task to do)
    Kind.DOCUMENTS: Delivery.DIGEST,  # versions come in bursts: « 3 nouvelles versions dans Finances »
    Kind.BOOKINGS: Delivery.IMMEDIATE,  # requests to approve, refusals: someone is waiting
    Kind.AGENDA: Delivery.IMMEDIATE,  # a place freed on the waiting list, an event cancelled: it is soon
    Kind.CHAT: Delivery.DIGEST,
    Kind.PROJECTS: Delivery.DIGEST,
    Kind.CIRCUITS: Delivery.IMMEDIATE,  # a document waits for the agent's signature
    Kind.PAYSLIPS: Delivery.IMMEDIATE,  # once a month; the mail names the month only, never an amount
    Kind.OTHER: Delivery.IMMEDIATE,  # an unknown verb whose caller asked for e-mail: keep its promise
    Kind.ACCOUNT: Delivery.IMMEDIATE,
}

# Exact verbs, then dotted prefixes (the longest wins). Keep it the single place where a verb gets its kind.
VERB_KINDS: dict[str, str] = {
    "news.must_read": Kind.MUST_READ,
    "news": Kind.NEWS,
    "kotje": Kind.NEWS,
    "kotje_review_due": Kind.NEWS,
    "ged": Kind.DOCUMENTS,
    "ged.circuit": Kind.CIRCUITS,
    "ged.circuits": Kind.CIRCUITS,
    "circuits": Kind.CIRCUITS,
    "payslips": Kind.PAYSLIPS,
    "rooms": Kind.BOOKINGS,
    "events": Kind.AGENDA,
    "chat": Kind.CHAT,
    "projects": Kind.PROJECTS,
    "welcome": Kind.ACCOUNT,
    "twofactor_reset": Kind.ACCOUNT,
    "app_passwords_revoked": Kind.ACCOUNT,
}


def kind_for_verb(verb: str) -> str:
    """`rooms.request` → bookings, `ged.circuit.sign` → circuits, unknown → other."""
    parts = verb.split(".")
    for end in range(len(parts), 0, -1):
        kind = VERB_KINDS.get(".".join(parts[:end]))
        if kind is not None:
            return str(kind)
    return str(Kind.OTHER)


def is_configurable(kind: str) -> bool:
    return kind in CONFIGURABLE
