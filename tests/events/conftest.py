"""A small territory for the agenda: the CCFI and Cassel, two services, a few agents, the agenda page, and a
helper that publishes events the way the demo does (as their organiser)."""

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from events.demo import agenda_index_ensure
from events.models import EventPage
from intranet.people.actions import department_create
from intranet.people.choices import OrganisationKind
from intranet.people.models import Organisation


@pytest.fixture
def territory(db, host_org, make_user):
    cassel = Organisation.objects.create(name="Cassel", kind=OrganisationKind.COMMUNE, insee_code="59135")
    resources = department_create(name="Direction des ressources", organisation=host_org)
    hr = department_create(name="Ressources humaines", organisation=host_org, parent=resources)
    communication = department_create(name="Communication", organisation=host_org)
    index = agenda_index_ensure()
    return SimpleNamespace(
        host=host_org,
        cassel=cassel,
        resources=resources,
        hr=hr,
        index=index,
        organiser=make_user("camille.martin", employer=host_org, department=communication),
        hr_agent=make_user("marine.petit", employer=host_org, department=hr),
        cassel_agent=make_user("ines.benali", employer=cassel),
    )


def soon(days=3, hour=10):
    """A fixed hour `days` from today (Paris time)."""
    day = timezone.localdate() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def publish_event(territory):
    counter = {"n": 0}

    def do_publish(
        title="Un événement",
        *,
        start=None,
        hours=2,
        capacity=None,
        registration=True,
        departments=(),
        organisations=(),
        place="Salle du conseil",
        online_url="",
        room_booking_id=None,
    ):
        counter["n"] += 1
        start = start or soon()
        page = EventPage(
            title=title,
            slug=f"evenement-{counter['n']}",
            intro="Un rendez-vous.",
            start=start,
            end=start + timedelta(hours=hours),
            place=place,
            online_url=online_url,
            registration_enabled=registration,
            capacity=capacity,
            organiser=territory.organiser,
            owner=territory.organiser,
            audience_everyone=not (departments or organisations),
            room_booking_id=room_booking_id,
        )
        page.audience_departments = list(departments)
        page.audience_organisations = list(organisations)
        territory.index.add_child(instance=page)
        page.save_revision(user=territory.organiser).publish()
        return EventPage.objects.get(pk=page.pk)

    return do_publish
