"""Demo data: sites in real communes of the territory, a dozen rooms, weeks of bookings. Idempotent: objects
are looked up by slug, and bookings are only added to rooms that have none yet."""

import random
from datetime import time, timedelta

from django.utils import timezone

from intranet.people.models import Department, Organisation

from .choices import BookingStatus, ResourceKind
from .models import Booking, BookingPolicy, Equipment, Room, Site
from .recurrence import PARIS, is_working_day, local_datetime

EQUIPMENT = [
    ("videoprojecteur", "Vidéoprojecteur"),
    ("ecran", "Écran"),
    ("visioconference", "Visioconférence"),
    ("tableau-blanc", "Tableau blanc"),
    ("acces-pmr", "Accès PMR"),
    ("sonorisation", "Sonorisation"),
]

SITES = [
    (
        "siege-hazebrouck",
        "Siège communautaire",
        "Hôtel communautaire",
        "222 bis rue de Vieux-Berquin, 59190 Hazebrouck",
        "59295",
    ),
    ("bailleul-mairie", "Mairie de Bailleul", "Hôtel de ville", "Grand-Place, 59270 Bailleul", "59043"),
    ("cassel-sockeel", "Hôtel Sockeel", "Hôtel Sockeel", "20 Grand-Place, 59670 Cassel", "59135"),
    (
        "steenvoorde-pole",
        "Pôle de Steenvoorde",
        "Maison des services",
        "Place Jean-Marie Ryckewaert, 59114 Steenvoorde",
        "59580",
    ),
]

# The article before each name (« Planning du Siège communautaire », « de l'Hôtel Sockeel »); a name
# written as a title (« Mairie de Bailleul ») takes none.
ARTICLES = {
    "siege-hazebrouck": "le",
    "cassel-sockeel": "l'",
    "steenvoorde-pole": "le",
    "salle-du-conseil": "la",
    "salle-des-flandres": "la",
    "salle-monts": "la",
    "bulle-visio": "la",
    "salle-formation": "la",
    "bailleul-mariages": "la",
    "bailleul-commission": "la",
    "bailleul-petite": "le",
    "sockeel-salon": "le",
    "sockeel-bibliotheque": "la",
    "steenvoorde-reunion": "la",
    "steenvoorde-bureau": "le",
}

# slug, name, site, floor, capacity, equipment, requires approval, managers, manager department
ROOMS = [
    (
        "salle-du-conseil",
        "Salle du conseil communautaire",
        "siege-hazebrouck",
        "RDC",
        80,
        ["videoprojecteur", "ecran", "sonorisation", "acces-pmr", "visioconference"],
        True,
        ["jerome.vandenbroucke"],
        "secretariat-general",
    ),
    (
        "salle-des-flandres",
        "Salle des Flandres",
        "siege-hazebrouck",
        "1er étage",
        20,
        ["videoprojecteur", "ecran", "tableau-blanc", "acces-pmr"],
        False,
        [],
        "",
    ),
    (
        "salle-monts",
        "Salle des Monts",
        "siege-hazebrouck",
        "1er étage",
        10,
        ["videoprojecteur", "tableau-blanc"],
        False,
        [],
        "",
    ),
    (
        "bulle-visio",
        "Bulle visio",
        "siege-hazebrouck",
        "2e étage",
        4,
        ["visioconference", "ecran"],
        False,
        [],
        "",
    ),
    (
        "salle-formation",
        "Salle de formation RH",
        "siege-hazebrouck",
        "2e étage",
        14,
        ["videoprojecteur", "tableau-blanc", "acces-pmr"],
        True,
        ["helene.lefebvre"],
        "ressources-humaines",
    ),
    (
        "bailleul-mariages",
        "Salle des mariages",
        "bailleul-mairie",
        "RDC",
        60,
        ["sonorisation", "acces-pmr"],
        True,
        ["amandine.cordier"],
        "",
    ),
    (
        "bailleul-commission",
        "Salle de commission",
        "bailleul-mairie",
        "1er étage",
        12,
        ["videoprojecteur", "ecran"],
        False,
        [],
        "",
    ),
    ("bailleul-petite", "Petit salon", "bailleul-mairie", "1er étage", 6, ["tableau-blanc"], False, [], ""),
    (
        "sockeel-salon",
        "Grand salon de l'Hôtel Sockeel",
        "cassel-sockeel",
        "RDC",
        40,
        ["videoprojecteur", "ecran", "acces-pmr"],
        True,
        ["francois.declercq"],
        "",
    ),
    (
        "sockeel-bibliotheque",
        "Bibliothèque",
        "cassel-sockeel",
        "1er étage",
        8,
        ["visioconference"],
        False,
        [],
        "",
    ),
    (
        "steenvoorde-reunion",
        "Salle de réunion",
        "steenvoorde-pole",
        "RDC",
        16,
        ["videoprojecteur", "acces-pmr", "visioconference"],
        False,
        [],
        "",
    ),
    ("steenvoorde-bureau", "Bureau partagé", "steenvoorde-pole", "RDC", 3, [], False, [], ""),
]

# Pool vehicles: slug, name, site, seats, plate, energy, range (km), key pickup, managers
VEHICLES = [
    (
        "zoe-siege",
        "Renault Zoé",
        "siege-hazebrouck",
        4,
        "GH-214-KP",
        "electric",
        320,
        "Accueil du siège, armoire à clés (badge)",
        ["jerome.vandenbroucke"],
    ),
    (
        "berlingo-siege",
        "Citroën Berlingo",
        "siege-hazebrouck",
        5,
        "FT-832-LM",
        "fuel",
        700,
        "Accueil du siège, armoire à clés (badge)",
        ["jerome.vandenbroucke"],
    ),
    (
        "master-siege",
        "Renault Master (9 places)",
        "siege-hazebrouck",
        9,
        "EZ-507-RT",
        "fuel",
        800,
        "Services techniques, bureau du chef d'atelier",
        ["jerome.vandenbroucke"],
    ),
    (
        "e208-steenvoorde",
        "Peugeot e-208",
        "steenvoorde-pole",
        5,
        "GK-690-BS",
        "electric",
        340,
        "Accueil de la Maison des services",
        [],
    ),
    (
        "clio-steenvoorde",
        "Renault Clio",
        "steenvoorde-pole",
        5,
        "FV-118-DN",
        "hybrid",
        900,
        "Accueil de la Maison des services",
        [],
    ),
]

# Loan equipment: slug, name, site, quantity held
LOANS = [
    ("pret-videoprojecteur", "Vidéoprojecteur portable", "siege-hazebrouck", 4),
    ("pret-appareil-photo", "Appareil photo reflex", "siege-hazebrouck", 3),
    ("pret-ordinateur", "Ordinateur portable de prêt", "siege-hazebrouck", 8),
    ("pret-sono", "Sonorisation portable", "bailleul-mairie", 2),
    ("pret-kit-visio", "Kit de visioconférence mobile", "steenvoorde-pole", 2),
]

TITLES = [
    "Réunion d'équipe",
    "Comité de pilotage",
    "Point budget",
    "Entretien de recrutement",
    "Formation bureautique",
    "Commission urbanisme",
    "Atelier PLUi",
    "Réunion des secrétaires de mairie",
    "Point hebdomadaire",
    "Visio avec la Région",
    "Préparation du conseil",
    "Bilan trimestriel",
]


def seed_rooms(*, stdout, agents: dict) -> None:
    equipment = {}
    for slug, name in EQUIPMENT:
        equipment[slug], _created = Equipment.objects.get_or_create(slug=slug, defaults={"name": name})
    communes = Organisation.objects.in_bulk([s[4] for s in SITES], field_name="insee_code")
    sites = {}
    for slug, name, building, address, insee in SITES:
        sites[slug], _created = Site.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "building": building, "address": address, "commune": communes.get(insee)},
        )
    departments = Department.objects.in_bulk([r[8] for r in ROOMS if r[8]], field_name="slug")
    rooms = []
    for slug, name, site, floor, capacity, eq, approval, managers, dept in ROOMS:
        room, created = Room.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "site": sites[site],
                "floor": floor,
                "capacity": capacity,
                "requires_approval": approval,
                "manager_department": departments.get(dept),
                "description": "",
            },
        )
        if created:
            room.equipment.set([equipment[e] for e in eq])
            room.managers.set([agents[u] for u in managers if u in agents])
        rooms.append(room)
    # Databases seeded before the articles existed get them too (only where none was chosen).
    for model in (Site, Room):
        # Read first, write only what is missing: a second seed writes nothing (seed_demo idempotency test).
        missing = model.objects.filter(slug__in=ARTICLES, article="").values_list("slug", flat=True)
        for slug in list(missing):
            model.objects.filter(slug=slug, article="").update(article=ARTICLES[slug])
    stdout.write(f"  {len(rooms)} salles sur {len(sites)} sites")
    _seed_bookings(rooms, agents, stdout)
    _seed_resources(sites, agents, stdout)


def _seed_resources(sites, agents, stdout):
    """Pool vehicles at two sites, loan equipment, and realistic policies (idempotent, by slug)."""
    # The rooms' hours (the demo bookings above run from 08:00 to 19:00); series of a year at most weekly.
    for slug in sites:
        opens, closes = time(8), time(19)
        BookingPolicy.objects.get_or_create(
            site=sites[slug],
            defaults={
                "name": f"Salles : {sites[slug].name}",
                "opens_at": opens,
                "closes_at": closes,
                "window_days": 180,
                "max_series_occurrences": 52,
            },
        )
    made = 0
    for slug, name, site, seats, plate, energy, range_km, keys, managers in VEHICLES:
        car, created = Room.objects.get_or_create(
            slug=slug,
            defaults={
                "kind": ResourceKind.VEHICLE,
                "name": name,
                "site": sites[site],
                "capacity": seats,
                "plate": plate,
                "energy": energy,
                "range_km": range_km,
                "key_pickup": keys,
                "requires_approval": seats > 5,
            },
        )
        if created:
            made += 1
            car.managers.set([agents[u] for u in managers if u in agents])
        BookingPolicy.objects.get_or_create(
            room=car,
            defaults={
                "name": f"Véhicule : {name}",
                "opens_at": time(7, 30),
                "closes_at": time(19),
                "window_days": 60,
                "min_duration": 30,
                "max_duration": 690,
                "buffer_minutes": 30 if energy == "electric" else 15,
                "max_active_bookings": 3,
                "max_hours_per_week": 20,
                "max_series_occurrences": 12,
                "series_require_approval": True,
            },
        )
    for slug, name, site, held in LOANS:
        item, created = Room.objects.get_or_create(
            slug=slug,
            defaults={
                "kind": ResourceKind.EQUIPMENT,
                "name": name,
                "site": sites[site],
                "capacity": 1,
                "quantity_held": held,
                "description": "À retirer et rendre à l'accueil du site.",
            },
        )
        made += created
        BookingPolicy.objects.get_or_create(
            room=item,
            defaults={
                "name": f"Prêt : {name}",
                "opens_at": time(8),
                "closes_at": time(18),
                "window_days": 90,
                "min_duration": 60,
                "max_duration": 600,
                "max_active_bookings": 2,
            },
        )
    stdout.write(f"  {len(VEHICLES)} véhicules, {len(LOANS)} matériels en prêt ({made} nouveaux)")


def _seed_bookings(rooms, agents, stdout):
    if Booking.objects.exists():
        return
    rng = random.Random(7)
    people = [a for a in agents.values() if a.is_active]
    now = timezone.now()
    today = now.astimezone(PARIS).date()
    made = 0
    for offset in range(1, 29):
        day = today + timedelta(days=offset)
        if not is_working_day(day):
            continue
        for room in rooms:
            hour = 8 + rng.randint(0, 1)
            while hour < 18:
                length = rng.choice([1, 1, 2])
                if rng.random() < 0.45 and hour + length <= 19:
                    pending = room.requires_approval and rng.random() < 0.3
                    b = Booking(
                        room=room,
                        title=rng.choice(TITLES),
                        requester=rng.choice(people),
                        attendees=max(1, min(room.capacity, rng.randint(2, 12))),
                        start=local_datetime(day, time(hour)),
                        end=local_datetime(day, time(hour + length)),
                        status=BookingStatus.PENDING if pending else BookingStatus.APPROVED,
                        decided_at=None if pending else now,
                    )
                    b.save()
                    made += 1
                hour += length + rng.randint(0, 2)
    stdout.write(f"  {made} réservations dans les quatre semaines à venir")
