"""Every notify() caller of the repository respects the agents' preferences: its verb lands in a kind the
agent chooses for (or the account's security notices), and for each caller's verb the three choices hold —
immediate: one e-mail per event; daily digest: N events are one e-mail; none: no e-mail. A caller that asks
for no e-mail stays in-app whatever the choice. No app mails agents around notify(), the booking confirmation
and its .ics invitation included (tests/notifications/test_booking_confirmation.py)."""

import ast
from pathlib import Path

import pytest
from django.core import mail

from intranet.notifications.actions import notification_preferences_set, notify
from intranet.notifications.digest import digest_send
from intranet.notifications.kinds import CONFIGURABLE, Delivery, Kind, kind_for_verb

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "tests", "bench", "node_modules", "var", "static"}

# Direct e-mail outside the notifications outbox, with the reason. A new one fails the scan below.
# The payslips' leaver link goes to the personal address HR recorded for someone who no longer has an account
# (no notification can reach them); it is an outbox performer, retried until sent.
DIRECT_MAIL_ALLOWED: set[str] = {"ged/payslips/actions.py"}


MAIL_CALLS = ("EmailMessage(", "send_mail(", "send_mass_mail(", "send_messages(")


def _sources():
    for path in sorted(ROOT.glob("*/**/*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in SKIP_DIRS or "migrations" in parts:
            continue
        yield path, path.read_text(encoding="utf-8", errors="replace")


def _calls() -> list[tuple[str, str, bool]]:
    """(where, verb, email asked) for every notify() call, read from the syntax tree."""
    calls = []
    for path, source in _sources():
        if "notify(" not in source:
            continue
        tree = ast.parse(source)
        # Module constants (`DUE_VERB = "projects.due_soon"`) stand for their value.
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name != "notify":
                continue
            kw = {k.arg: k.value for k in node.keywords}
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            verb, email = kw.get("verb"), kw.get("email")
            if isinstance(verb, ast.Name) and verb.id in constants:
                verb = ast.Constant(constants[verb.id])
            assert isinstance(verb, ast.Constant), f"{where}: the verb must be a literal or a module constant"
            assert "kind" not in kw, f"{where}: an explicit kind= is not covered by this scan"
            email_asked = email is not None and not (isinstance(email, ast.Constant) and email.value is False)
            calls.append((where, verb.value, email_asked))
    return calls


CALLS = _calls()
MAILING_VERBS = sorted({verb for _where, verb, email in CALLS if email})
IN_APP_VERBS = sorted({verb for _where, verb, email in CALLS if not email} - set(MAILING_VERBS))


def test_the_scan_finds_every_app_and_each_verb_has_a_known_kind():
    apps = {where.split("/")[0] for where, _verb, _email in CALLS}
    assert {"rooms", "ged", "chat", "kotje", "events", "projects", "intranet"} <= apps
    for where, verb, _email in CALLS:
        assert kind_for_verb(verb) in CONFIGURABLE or kind_for_verb(verb) == Kind.ACCOUNT, where


def test_no_app_mails_agents_around_notify():
    direct = set()
    for path, source in _sources():
        rel = str(path.relative_to(ROOT))
        if rel.startswith("intranet/notifications/"):
            continue
        if any(word in source for word in MAIL_CALLS):
            direct.add(rel)
    assert direct == DIRECT_MAIL_ALLOWED


def _three_events(users, verb):
    for i in range(3):
        notify(recipients=users, verb=verb, text=f"Évènement {i}", url="/", email=True, place="Finances")


@pytest.mark.parametrize("verb", MAILING_VERBS)
def test_each_mailing_caller_follows_the_agents_choice(verb, make_user, django_capture_on_commit_callbacks):
    """Three agents chose immediate, digest and none for the verb's kind; the caller's three events give
    three e-mails, one digest e-mail, nothing. The account's notices are mailed at once to all three."""
    kind = kind_for_verb(verb)
    now, daily, never = make_user(), make_user(), make_user()
    for user, delivery in ((now, Delivery.IMMEDIATE), (daily, Delivery.DIGEST), (never, Delivery.NONE)):
        notification_preferences_set(user=user, choices={kind: delivery})
    with django_capture_on_commit_callbacks(execute=True):
        _three_events([now, daily, never], verb)
    to = [m.to[0] for m in mail.outbox]
    if kind == Kind.ACCOUNT:
        assert sorted(to) == sorted([now.email, daily.email, never.email] * 3)
        assert digest_send().mails == 0
        return
    assert to == [now.email] * 3
    mail.outbox.clear()
    assert digest_send().mails == 1
    (digest,) = mail.outbox
    assert digest.to == [daily.email] and "3 notifications" in digest.subject
    assert digest_send().mails == 0


@pytest.mark.parametrize("verb", IN_APP_VERBS)
def test_each_in_app_caller_never_mails(verb, make_user, django_capture_on_commit_callbacks):
    """A caller that does not ask for mail stays in-app, even for an agent who wants every e-mail."""
    user = make_user()
    notification_preferences_set(user=user, choices=dict.fromkeys(CONFIGURABLE, Delivery.IMMEDIATE))
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[user], verb=verb, text="Dans l'intranet", url="/")
    assert mail.outbox == [] and digest_send().mails == 0
