"""Demo events: the agenda page and a few upcoming events (one full with a waiting list, one online, one for
a department only). Idempotent: events are looked up by slug and only created when missing."""

import contextlib
from datetime import datetime, time, timedelta
from typing import NamedTuple

from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from wagtail.models import GroupPagePermission

from intranet.news.actions import home_page_ensure
from intranet.news.permissions import EDITORS_GROUP, MANAGERS_GROUP
from intranet.people.models import Department

from .actions import RegistrationRefused, registration_create
from .models import EventIndexPage, EventPage


class EventSpec(NamedTuple):
    slug: str
    title: str
    intro: str
    in_days: int
    start: str
    hours: float
    place: str = ""
    online_url: str = ""
    capacity: int | None = None
    registration: bool = False
    departments: tuple[str, ...] = ()
    registrants: tuple[str, ...] = ()


EVENTS = (
    EventSpec(
        "petit-dejeuner-nouveaux-arrivants", "Petit-déjeuner des nouveaux arrivants",
        "Un moment convivial pour rencontrer les services de la CCFI et les élus.",
        in_days=3, start="08:30", hours=1.5, place="Salle du conseil, Hazebrouck",
        registration=True, capacity=3,
        registrants=("nathalie.deconinck", "jerome.vandenbroucke", "helene.lefebvre", "francois.declercq"),
    ),
    EventSpec(
        "webinaire-ged", "Webinaire : bien ranger ses documents dans la GED",
        "Trente minutes pour prendre en main les espaces, les dossiers et le partage.",
        in_days=6, start="11:00", hours=0.5, online_url="https://visio.ccfi.example/ged",
        registration=True,
    ),
    EventSpec(
        "formation-premiers-secours", "Formation aux premiers secours (PSC1)",
        "Une journée pour apprendre les gestes qui sauvent, animée par les pompiers de Bailleul.",
        in_days=14, start="09:00", hours=7, place="Caserne de Bailleul", registration=True, capacity=10,
    ),
    EventSpec(
        "reunion-ressources-humaines", "Réunion d'équipe des ressources",
        "Point mensuel de la direction des ressources.",
        in_days=9, start="14:00", hours=1, place="Siège communautaire",
        departments=("direction-ressources",),
    ),
)  # fmt: skip


def agenda_index_ensure() -> EventIndexPage:
    """The agenda under the home page (/agenda/), created (published) if missing."""
    index = EventIndexPage.objects.first()
    if index is None:
        home = home_page_ensure()
        index = home.add_child(
            instance=EventIndexPage(title="Agenda", slug="agenda", intro="Les rendez-vous des agents.")
        )
        index.save_revision().publish()
    _grant_editors(index)
    return index


def _grant_editors(index) -> None:
    """The news editors and communication managers write events like news (managers publish). Idempotent;
    groups that do not exist yet (no news seeded) are skipped."""
    codenames = {
        EDITORS_GROUP: ["add_page", "change_page", "lock_page"],
        MANAGERS_GROUP: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    }
    perms = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=codenames[MANAGERS_GROUP]
        )
    }
    for group in Group.objects.filter(name__in=codenames):
        for codename in codenames[group.name]:
            GroupPagePermission.objects.get_or_create(group=group, page=index, permission=perms[codename])


def seed_events(*, stdout, agents) -> None:
    index = agenda_index_ensure()
    existing = set(EventPage.objects.child_of(index).values_list("slug", flat=True))
    organiser = agents.get("camille.martin")
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    created = 0
    for spec in EVENTS:
        if spec.slug in existing:
            continue
        hour, minute = (int(p) for p in spec.start.split(":"))
        start = datetime.combine(today + timedelta(days=spec.in_days), time(hour, minute), tzinfo=tz)
        page = EventPage(
            title=spec.title,
            slug=spec.slug,
            intro=spec.intro,
            start=start,
            end=start + timedelta(hours=spec.hours),
            place=spec.place,
            online_url=spec.online_url,
            registration_enabled=spec.registration,
            capacity=spec.capacity,
            organiser=organiser,
            owner=organiser,
            audience_everyone=not spec.departments,
        )
        page.audience_departments = list(Department.objects.filter(slug__in=spec.departments))
        index.add_child(instance=page)
        page.save_revision(user=organiser).publish()
        for username in spec.registrants:
            if username in agents:
                with contextlib.suppress(RegistrationRefused):
                    registration_create(event=page, user=agents[username])
        created += 1
    stdout.write(f"  agenda : {created} événement(s) créé(s), {len(EVENTS) - created} déjà présent(s)")
