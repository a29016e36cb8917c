"""Counts in messages go through ngettext; zero reads « aucune … » (issue 19 part 8). A scan keeps « (s) »
out of interface strings."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

from intranet.notifications.actions import notify

pytestmark = pytest.mark.django_db


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_read_all_with_nothing_unread_says_aucune(client, agent):
    client.force_login(agent)
    response = client.post(reverse("notifications:read_all"))
    assert _messages(response) == ["Aucune notification à marquer comme lue."]


@pytest.mark.parametrize(
    ("n", "text"), [(1, "1 notification marquée comme lue."), (3, "3 notifications marquées comme lues.")]
)
def test_read_all_counts_in_french(client, agent, n, text):
    for i in range(n):
        notify(recipients=[agent], verb="test", text=f"Message {i}")
    client.force_login(agent)
    assert _messages(client.post(reverse("notifications:read_all"))) == [text]


def test_no_parenthesised_plurals_in_interface_strings():
    """« réservation(s) » reads badly at 0 and 1: templates and the gettext strings of views, actions and
    feeds use ngettext instead. Management commands (operators' output) are not scanned."""
    base = Path(settings.BASE_DIR)
    found = []
    for path in sorted(base.glob("templates/**/*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\w\(s\)", line):
                found.append(f"{path.relative_to(base)}:{number}")
    # A gettext call whose string, possibly split over several adjacent literals, holds « (s) ».
    gettext_call = re.compile(r"\b(?:_|gettext|gettext_lazy|pgettext)\(\s*(?:\"[^\"]*\"\s*)*\"[^\"]*\w\(s\)")
    for app in ("intranet", "ged", "rooms", "chat", "kotje"):
        for path in sorted((base / app).rglob("*.py")):
            if "management" in path.parts or "migrations" in path.parts:
                continue
            if gettext_call.search(path.read_text(encoding="utf-8")):
                found.append(str(path.relative_to(base)))
    assert found == []
