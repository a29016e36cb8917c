"""The demo's agents have real choices on « Mes notifications par courriel »: immediate, digest and none,
for several kinds, the agenda included; a second run writes nothing and a choice made in the demo stays."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intranet.notifications.actions import notification_preferences_set
from intranet.notifications.demo import DEMO_PREFERENCES, seed_notification_preferences
from intranet.notifications.kinds import Delivery, Kind
from intranet.notifications.preferences import preferences_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_agents(make_user):
    return {name: make_user(name) for name in DEMO_PREFERENCES}


def test_the_demo_agents_choices_cover_the_three_deliveries_and_the_agenda():
    used = {delivery for choices in DEMO_PREFERENCES.values() for delivery in choices.values()}
    assert used == set(Delivery.values)
    assert any(Kind.AGENDA in choices for choices in DEMO_PREFERENCES.values())
    assert all(len(choices) >= 3 for choices in DEMO_PREFERENCES.values())


def test_seeded_once_and_a_choice_changed_in_the_demo_stays(demo_agents):
    assert seed_notification_preferences(stdout=io.StringIO(), agents=demo_agents) == len(DEMO_PREFERENCES)
    marine = demo_agents["marine.petit"]
    assert preferences_for(marine)[Kind.CHAT] == Delivery.IMMEDIATE
    assert preferences_for(marine)[Kind.NEWS] == Delivery.NONE
    notification_preferences_set(user=marine, choices={Kind.CHAT: Delivery.NONE})
    with CaptureQueriesContext(connection) as ctx:
        assert seed_notification_preferences(stdout=io.StringIO(), agents=demo_agents) == 0
    assert [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE"}] == []
    assert preferences_for(marine)[Kind.CHAT] == Delivery.NONE


def test_the_preferences_page_shows_the_seeded_choices(client, demo_agents):
    seed_notification_preferences(stdout=io.StringIO(), agents=demo_agents)
    client.force_login(demo_agents["helene.lefebvre"])
    html = client.get("/compte/notifications/").content.decode()
    for kind, delivery in DEMO_PREFERENCES["helene.lefebvre"].items():
        radio = re.search(rf'<input type="radio" name="{kind}" value="{delivery}"[^>]*>', html).group(0)
        assert "checked" in radio, kind
    assert "Agenda (place obtenue, événement annulé)" in html
