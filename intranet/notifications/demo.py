"""Demo: a few agents have already chosen what reaches their mailbox, so « Mes notifications par courriel »
shows real choices (immediate, daily digest, none) next to the defaults of the others.

An agent who has any stored choice is left alone (they may have changed it in the demo); a second run writes
nothing."""

from .actions import notification_preferences_set
from .kinds import Delivery, Kind
from .models import NotificationPreference

NOW, DAILY, NEVER = Delivery.IMMEDIATE, Delivery.DIGEST, Delivery.NONE

DEMO_PREFERENCES: dict[str, dict[str, str]] = {
    # The general director: must-reads and signatures at once, the rest in one morning e-mail, no chat mail.
    "jerome.vandenbroucke": {
        Kind.MUST_READ: NOW,
        Kind.NEWS: DAILY,
        Kind.DOCUMENTS: DAILY,
        Kind.BOOKINGS: DAILY,
        Kind.AGENDA: DAILY,
        Kind.CHAT: NEVER,
        Kind.PROJECTS: DAILY,
        Kind.CIRCUITS: NOW,
    },
    # The resources director follows projects closely and reads chat in the intranet only.
    "francois.declercq": {
        Kind.NEWS: NEVER,
        Kind.DOCUMENTS: DAILY,
        Kind.CHAT: NEVER,
        Kind.PROJECTS: NOW,
    },
    # The HR head approves room requests (someone waits) and wants new versions of HR documents at once.
    "helene.lefebvre": {
        Kind.BOOKINGS: NOW,
        Kind.DOCUMENTS: NOW,
        Kind.CHAT: DAILY,
        Kind.NEWS: DAILY,
    },
    # An HR agent: mentions at once, documents and projects in the digest, no news by mail.
    "marine.petit": {
        Kind.CHAT: NOW,
        Kind.DOCUMENTS: DAILY,
        Kind.PROJECTS: DAILY,
        Kind.NEWS: NEVER,
        Kind.AGENDA: NOW,
    },
    # The editor writes the news herself: none by mail; the agenda in the digest.
    "camille.martin": {
        Kind.NEWS: NEVER,
        Kind.AGENDA: DAILY,
        Kind.DOCUMENTS: DAILY,
    },
}


def seed_notification_preferences(*, stdout, agents: dict) -> int:
    users = {name: agents[name] for name in DEMO_PREFERENCES if name in agents}
    chosen = set(
        NotificationPreference.objects.filter(user__in=users.values()).values_list("user_id", flat=True)
    )
    seeded = 0
    for name, user in users.items():
        if user.pk in chosen:
            continue
        notification_preferences_set(user=user, choices=DEMO_PREFERENCES[name])
        seeded += 1
    stdout.write(f"  préférences de notification : {seeded} agent(s) avec leurs choix")
    return seeded
