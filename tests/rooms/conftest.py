"""Rooms on two sites, a manager, agents in departments, and a helper for future slots."""

from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest

from intranet.people.actions import department_create
from rooms.models import Equipment, Room, Site
from rooms.queries import today_local
from rooms.recurrence import is_working_day, local_datetime


def working_day(offset_days: int = 7) -> date:
    """A working day at least `offset_days` ahead."""
    day = today_local() + timedelta(days=offset_days)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def slot(day: date, start: str, end: str):
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return local_datetime(day, time(h1, m1)), local_datetime(day, time(h2, m2))


@pytest.fixture
def world(host_org, make_user):
    rh = department_create(name="Ressources humaines", organisation=host_org)
    urba = department_create(name="Urbanisme", organisation=host_org)
    projector = Equipment.objects.create(name="Vidéoprojecteur", slug="videoprojecteur")
    visio = Equipment.objects.create(name="Visioconférence", slug="visioconference")
    siege = Site.objects.create(name="Siège", slug="siege", address="Hazebrouck")
    cassel = Site.objects.create(name="Hôtel Sockeel", slug="sockeel", address="Cassel")
    manager = make_user("helene.lefebvre", first_name="Hélène", last_name="Lefebvre", department=rh)
    agent = make_user("marie.dupont", first_name="Marie", last_name="Dupont", department=urba)
    other = make_user("paul.martin", first_name="Paul", last_name="Martin", department=urba)
    outsider = make_user("jean.durand", first_name="Jean", last_name="Durand")
    small = Room.objects.create(name="Petite salle", slug="petite", site=siege, capacity=6)
    small.equipment.set([projector])
    medium = Room.objects.create(name="Salle moyenne", slug="moyenne", site=siege, capacity=12)
    medium.equipment.set([projector, visio])
    big = Room.objects.create(name="Grande salle", slug="grande", site=cassel, capacity=40)
    big.equipment.set([projector])
    approval = Room.objects.create(
        name="Salle du conseil", slug="conseil", site=siege, capacity=30, requires_approval=True
    )
    approval.equipment.set([projector])
    approval.managers.set([manager])
    restricted = Room.objects.create(
        name="Salle RH", slug="salle-rh", site=siege, capacity=8, bookable_by_all=False
    )
    restricted.allowed_departments.set([rh])
    return SimpleNamespace(
        rh=rh,
        urba=urba,
        projector=projector,
        visio=visio,
        siege=siege,
        cassel=cassel,
        manager=manager,
        agent=agent,
        other=other,
        outsider=outsider,
        small=small,
        medium=medium,
        big=big,
        approval=approval,
        restricted=restricted,
    )
