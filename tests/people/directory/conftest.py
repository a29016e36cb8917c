"""A small organisation chart: the CCFI with a direction and two services, a commune, and a few agents."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from intranet.people.actions import department_create
from intranet.people.choices import DepartmentKind, OrganisationKind
from intranet.people.models import Organisation


@pytest.fixture
def chart(host_org, make_user):
    bailleul = Organisation.objects.create(
        name="Bailleul", kind=OrganisationKind.COMMUNE, insee_code="59043", postal_code="59270"
    )
    amenagement = department_create(
        name="Direction de l'aménagement",
        organisation=host_org,
        kind=DepartmentKind.DIRECTION,
        description="Urbanisme, habitat et mobilités du territoire.",
        email="amenagement@ccfi.example",
        phone="03 28 00 00 00",
    )
    urbanisme = department_create(name="Urbanisme", organisation=host_org, parent=amenagement)
    habitat = department_create(name="Habitat", organisation=host_org, parent=amenagement)
    mairie = department_create(name="Secrétariat de mairie", organisation=bailleul, slug="bailleul-mairie")

    director = make_user(
        "francois.deswarte",
        first_name="François",
        last_name="Deswarte",
        job_title="Directeur de l'aménagement",
        department=amenagement,
        employer=host_org,
    )
    helene = make_user(
        "helene.lefebvre",
        first_name="Hélène",
        last_name="Lefebvre",
        job_title="Instructrice du droit des sols",
        department=urbanisme,
        employer=host_org,
        manager=director,
        phone="03 28 50 12 34",
        what_i_do="J'instruis les permis de construire et les déclarations préalables.",
        contact_me_for="Un projet de construction, un certificat d'urbanisme.",
        office="Siège – Hazebrouck, 1er étage",
        office_days=[1, 2, 4],
    )
    helene.skills.set(["cadastre", "SIG"])
    noel = make_user(
        "noel.vanhee",
        first_name="Noël",
        last_name="Vanhée",
        job_title="Chargé de mission habitat",
        department=habitat,
        employer=host_org,
        manager=director,
    )
    noel.skills.set(["rénovation énergétique"])
    anais = make_user(
        "anais.decool",
        first_name="Anaïs",
        last_name="Decool",
        job_title="Secrétaire de mairie",
        department=mairie,
        employer=bailleul,
    )
    anais.skills.set(["état civil", "élections"])
    urbanisme_colleague = make_user(
        "paul.dewitte",
        first_name="Paul",
        last_name="Dewitte",
        job_title="Géomaticien",
        department=urbanisme,
        employer=host_org,
        manager=director,
    )
    urbanisme_colleague.skills.set(["SIG", "cartographie"])
    leaver = make_user(
        "leo.parti",
        first_name="Léo",
        last_name="Parti",
        job_title="Instructeur du droit des sols",
        department=urbanisme,
        employer=host_org,
        is_active=False,
    )
    leaver.skills.set(["cadastre"])
    helene.absent_until = timezone.localdate() + timedelta(days=7)
    helene.backup_contact = urbanisme_colleague
    helene.save()
    urbanisme.head = director
    urbanisme.save()
    return SimpleNamespace(
        host=host_org,
        bailleul=bailleul,
        amenagement=amenagement,
        urbanisme=urbanisme,
        habitat=habitat,
        mairie=mairie,
        director=director,
        helene=helene,
        noel=noel,
        anais=anais,
        paul=urbanisme_colleague,
        leaver=leaver,
    )


@pytest.fixture
def helene_client(client, chart):
    client.force_login(chart.helene)
    return client


def usernames(page_or_list) -> list[str]:
    items = getattr(page_or_list, "object_list", page_or_list)
    return [u.username for u in items]
