"""The desks' roster (what the home page's « À viser » panel caches for everyone) says exactly what `seats`
and `desk_ids_for` say desk by desk: members, a desk's deputy, the deputy of an absent member, a member who
is also someone's deputy, a deactivated member; and it costs two queries whatever their number."""

import datetime

import pytest
from django.utils import timezone

from ged.circuits.actions import delegation_create
from ged.circuits.permissions import desk_ids_for, desk_roster, seats

pytestmark = pytest.mark.django_db


def test_the_roster_agrees_with_seats_for_every_agent_and_desk(people, desks, django_assert_num_queries):
    today = timezone.localdate()
    week = today + datetime.timedelta(days=7)
    # The DGS desk to the deputy; Olivier (finances) to his colleague Sandrine; Jérôme (DGS) to Paul, who
    # is himself a member of the finances.
    delegation_create(actor=people["dgs"], desk=desks["dgs"], deputy=people["deputy"], start=today, end=week)
    delegation_create(
        actor=people["fin1"], person=people["fin1"], deputy=people["fin2"], start=today, end=week
    )
    delegation_create(actor=people["dgs"], person=people["dgs"], deputy=people["fin3"], start=today, end=week)
    people["outsider"].is_active = False  # a deactivated member counts for nothing
    people["outsider"].save(update_fields=["is_active"])
    desks["fin"].members.add(people["outsider"])

    with django_assert_num_queries(2):
        roster = desk_roster()
    for user in people.values():
        if not user.is_active:
            continue
        expected = {}
        for desk in desks.values():
            expected_ids = [s.user_id for s in seats(user, desk)]
            assert roster.seat_ids(user.pk, desk.pk) == expected_ids, (user.username, desk.name)
            if expected_ids:
                expected[desk.pk] = expected_ids
        assert roster.held(user.pk) == expected, user.username
        assert set(expected) <= desk_ids_for(user)
    assert roster.held(people["fin2"].pk)[desks["fin"].pk] == [people["fin2"].pk, people["fin1"].pk]
    assert roster.held(people["fin3"].pk) == {
        desks["fin"].pk: [people["fin3"].pk],
        desks["dgs"].pk: [people["dgs"].pk],
    }
    assert people["outsider"].pk not in roster.actor_ids()
    assert people["deputy"].pk in roster.actor_ids() and people["submitter"].pk not in roster.actor_ids()
