"""E-mail preferences per kind: notify() asks, the agent's choice decides (immediate, digest, none)."""

import re
from pathlib import Path

import pytest
from django.core import mail

from intranet.notifications.actions import notification_preferences_set, notify
from intranet.notifications.kinds import CONFIGURABLE, DEFAULTS, Delivery, Kind, kind_for_verb
from intranet.notifications.models import Notification

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# Every verb the repository's notify() callers use today, and the kind it must end with. A new caller's verb
# that is listed here with the wrong kind fails; one that is not listed must still map to a known kind.
EXPECTED = {
    "rooms.request": Kind.BOOKINGS,
    "rooms.reminder": Kind.BOOKINGS,
    "rooms.expired": Kind.BOOKINGS,
    "rooms.cancelled": Kind.BOOKINGS,
    "rooms.approved": Kind.BOOKINGS,
    "rooms.rejected": Kind.BOOKINGS,
    "rooms.confirmed": Kind.BOOKINGS,
    "events.promoted": Kind.AGENDA,
    "events.cancelled": Kind.AGENDA,
    "kotje_review_due": Kind.NEWS,
    "chat.member_add": Kind.CHAT,
    "chat.mention": Kind.CHAT,
    "chat.message": Kind.CHAT,
    "twofactor_reset": Kind.ACCOUNT,
    "news.must_read": Kind.MUST_READ,
    "app_passwords_revoked": Kind.ACCOUNT,
    "welcome": Kind.ACCOUNT,
    "ged.unlock": Kind.DOCUMENTS,
    "ged.leaver": Kind.DOCUMENTS,
    "ged.share": Kind.DOCUMENTS,
    "ged.version": Kind.DOCUMENTS,
    "ged.onlyoffice.conflict": Kind.DOCUMENTS,
    "ged.onlyoffice.error": Kind.DOCUMENTS,
    "ged.onlyoffice.refused": Kind.DOCUMENTS,
    "ged.circuit.sign_requested": Kind.CIRCUITS,
    "projects.card_assigned": Kind.PROJECTS,
    "news.published": Kind.NEWS,
}

# One verb per configurable kind, as its callers spell them.
SAMPLE_VERB = {
    Kind.MUST_READ: "news.must_read",
    Kind.NEWS: "kotje_review_due",
    Kind.DOCUMENTS: "ged.version",
    Kind.BOOKINGS: "rooms.request",
    Kind.AGENDA: "events.promoted",
    Kind.CHAT: "chat.mention",
    Kind.PROJECTS: "projects.card_assigned",
    Kind.CIRCUITS: "ged.circuit.sign_requested",
    Kind.PAYSLIPS: "payslips.deposit",
    Kind.OTHER: "quelque.chose.de.nouveau",
}


def _caller_verbs() -> set[str]:
    verbs = set()
    for path in ROOT.glob("*/**/*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "tests", "bench", "node_modules"} or "migrations" in parts:
            continue
        source = path.read_text(encoding="utf-8", errors="replace")
        if "notify(" not in source:
            continue
        verbs.update(re.findall(r"""verb=["']([\w.]+)["']""", source))
    return verbs


def test_every_callers_verb_ends_with_its_kind():
    """The verbs found in the repository's notify() calls map to the kind we expect (none falls in « other »
    by accident)."""
    verbs = _caller_verbs()
    assert {"rooms.request", "ged.version", "chat.mention", "news.must_read"} <= verbs  # the scan works
    for verb in verbs:
        kind = kind_for_verb(verb)
        if verb in EXPECTED:
            assert kind == EXPECTED[verb], verb
        else:
            assert kind in Kind.values, verb
        assert kind != Kind.OTHER, f"{verb} falls in « Autres notifications »: give its prefix a kind"
    for verb, kind in EXPECTED.items():
        assert kind_for_verb(verb) == kind, verb


def test_unknown_verb_gets_the_other_kind_and_an_explicit_kind_wins(agent):
    assert kind_for_verb("agenda_inconnu") == Kind.OTHER
    (n,) = notify(recipients=[agent], verb="agenda_inconnu", text="Nouvel évènement", url="/")
    assert n.kind == Kind.OTHER
    (n,) = notify(recipients=[agent], verb="agenda_inconnu", text="Projet", url="/", kind=Kind.PROJECTS)
    assert n.kind == Kind.PROJECTS
    (n,) = notify(recipients=[agent], verb="agenda_inconnu", text="?", url="/", kind="pas-un-type")
    assert n.kind == Kind.OTHER


@pytest.mark.parametrize("kind", CONFIGURABLE)
@pytest.mark.parametrize("delivery", Delivery.values)
def test_the_agents_choice_decides_for_each_kind(agent, kind, delivery, django_capture_on_commit_callbacks):
    """A caller's email=True is mailed now, kept for the digest or not mailed, as the agent chose."""
    notification_preferences_set(user=agent, choices={kind: delivery})
    with django_capture_on_commit_callbacks(execute=True):
        (n,) = notify(recipients=[agent], verb=SAMPLE_VERB[kind], text="Un évènement", url="/", email=True)
    n.refresh_from_db()
    assert n.kind == kind and n.mail == delivery
    assert len(mail.outbox) == (1 if delivery == Delivery.IMMEDIATE else 0)
    assert n.emailed is (delivery == Delivery.IMMEDIATE)
    assert list(Notification.objects.digest_pending()) == ([n] if delivery == Delivery.DIGEST else [])


@pytest.mark.parametrize("kind", CONFIGURABLE)
def test_without_a_choice_the_kinds_default_applies(agent, kind):
    (n,) = notify(recipients=[agent], verb=SAMPLE_VERB[kind], text="Un évènement", url="/", email=True)
    assert n.mail == DEFAULTS[kind]


def test_defaults_are_sensible():
    assert DEFAULTS[Kind.MUST_READ] == Delivery.IMMEDIATE
    assert DEFAULTS[Kind.DOCUMENTS] == Delivery.DIGEST
    assert DEFAULTS[Kind.BOOKINGS] == Delivery.IMMEDIATE


@pytest.mark.parametrize("kind", CONFIGURABLE)
def test_email_false_stays_in_app_whatever_the_choice(agent, kind, django_capture_on_commit_callbacks):
    notification_preferences_set(user=agent, choices={kind: Delivery.IMMEDIATE})
    with django_capture_on_commit_callbacks(execute=True):
        (n,) = notify(recipients=[agent], verb=SAMPLE_VERB[kind], text="Dans l'intranet seulement", url="/")
    assert n.mail == Delivery.NONE and mail.outbox == []


def test_each_recipient_gets_their_own_choice(agent, make_user, django_capture_on_commit_callbacks):
    other, third = make_user(), make_user()
    notification_preferences_set(user=agent, choices={Kind.BOOKINGS: Delivery.DIGEST})
    notification_preferences_set(user=other, choices={Kind.BOOKINGS: Delivery.NONE})
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(
            recipients=[agent, other, third], verb="rooms.request", text="À valider", url="/", email=True
        )
    assert {n.recipient_id: n.mail for n in rows} == {
        agent.pk: Delivery.DIGEST,
        other.pk: Delivery.NONE,
        third.pk: Delivery.IMMEDIATE,
    }
    assert [m.to for m in mail.outbox] == [[third.email]]


def test_notify_costs_no_extra_query_for_the_preferences(agent, make_user, django_assert_num_queries):
    """Active accounts and their choice in one query, then the insert inside its savepoint (the dashboard bump
    is a cache write): 4, as many as before preferences existed, whatever the number of recipients; plus the
    one outbox row of the e-mails (R12)."""
    others = [make_user() for _ in range(5)]
    with django_assert_num_queries(5):
        notify(recipients=[agent, *others], verb="rooms.request", text="À valider", url="/", email=True)


def test_account_notices_are_always_mailed_at_once_without_unsubscribe(
    agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[agent],
            verb="twofactor_reset",
            text="Second facteur réinitialisé",
            url="/",
            email=True,
        )
    (message,) = mail.outbox
    assert "List-Unsubscribe" not in message.extra_headers
    assert "toujours envoyé" in message.body


def test_immediate_mail_carries_its_kinds_unsubscribe_link(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[agent], verb="rooms.request", text="Demande à valider", url="/salles/", email=True)
    (message,) = mail.outbox
    header = message.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(r"<http://127\.0\.0\.1:8000/compte/notifications/desabonnement/[^/>]+/>", header)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header[1:-1] in message.body and "Réservations de salles" in message.body
