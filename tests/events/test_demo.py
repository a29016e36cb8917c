"""The agenda's demo shows a full event with a waiting list: its registrants are agents the people seeder
creates (one was not, so the breakfast had three registrants for three places and nobody waiting)."""

import io

import pytest

from events.demo import EVENTS, seed_events
from events.models import EventPage, Registration
from intranet.people.demo import AGENTS, agent_username


def test_every_demo_registrant_is_a_demo_agent():
    usernames = {agent_username(spec) for spec in AGENTS}
    for spec in EVENTS:
        assert set(spec.registrants) <= usernames, spec.slug


@pytest.mark.django_db
def test_the_demo_breakfast_is_full_with_one_agent_waiting(territory, make_user):
    (breakfast,) = [spec for spec in EVENTS if spec.slug == "petit-dejeuner-nouveaux-arrivants"]
    agents = {name: make_user(name) for name in breakfast.registrants}
    agents["camille.martin"] = territory.organiser
    territory.resources.slug = "direction-ressources"  # the audience of the demo's resources meeting
    territory.resources.save(update_fields=["slug"])
    seed_events(stdout=io.StringIO(), agents=agents)
    page = EventPage.objects.get(slug=breakfast.slug)
    statuses = sorted(Registration.objects.filter(event=page).values_list("status", flat=True))
    assert page.capacity == 3
    assert statuses == ["registered"] * 3 + ["waiting"]
    waiting = Registration.objects.get(event=page, status="waiting").user.username
    assert waiting == breakfast.registrants[-1]
