"""Every search source answers accented and unaccented words alike (PostgreSQL: `french_unaccent`, one
configuration for Wagtail's pages and the GED's stored vectors; people: accent-insensitive patterns)."""

import io

import pytest
from django.conf import settings
from django.db import connection

from ged.actions import document_upload, space_create
from ged.choices import SpacePolicy

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="unaccent is a PostgreSQL extension"),
]

API = "/api/v1/search"


class _Named(io.BytesIO):
    def __init__(self, data, name):
        super().__init__(data)
        self.name = name


def test_one_configuration_for_every_source():
    assert settings.SEARCH_CONFIG == "french_unaccent"
    assert settings.WAGTAILSEARCH_BACKENDS["default"]["SEARCH_CONFIG"] == settings.SEARCH_CONFIG


def test_unaccented_query_finds_pages_documents_and_people(
    client, portal, publish, make_user, settings, tmp_path, django_capture_on_commit_callbacks
):
    """« conge » finds the news « Congés… » and the document « Congés… »; « Procedure d'accueil » finds
    « Procédure d’accueil… »; « helene » finds Hélène."""
    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    settings.GED_STORAGE_ALIAS = ""
    publish("Congés de fin d'année", text="Posez-les avant le 1er décembre.")
    publish("Procédure d’accueil des nouveaux agents", text="Le livret d’accueil.")
    owner = make_user("helene.lefebvre", first_name="Hélène", last_name="Lefebvre")
    space = space_create(name="Commun", slug="commun", policy=SpacePolicy.OPEN, creator=owner)
    with django_capture_on_commit_callbacks(execute=True):
        document_upload(
            folder=space.root, uploaded_file_or_path=_Named(b"Planning", "Congés d'été.txt"), author=owner
        )
    client.force_login(portal.cassel_agent)

    def titles(q):
        return {h["title"] for h in client.get(API, {"q": q}).json()["hits"]}

    assert titles("conge") == {"Congés de fin d'année", "Congés d'été.txt"}
    assert titles("Procedure d'accueil") == {"Procédure d’accueil des nouveaux agents"}
    assert titles("helene") == {"Hélène Lefebvre"}


def test_people_vector_follows_names_departments_organisations_and_skills(client, portal):
    """The people source reads a stored vector: a renamed agent, a renamed or moved department, a renamed
    employer and a new skill are found at once, and the old names no longer find anyone."""
    from intranet.people.models import Department

    client.force_login(portal.cassel_agent)

    def people(q):
        data = client.get(API, {"q": q}).json()
        return sorted(h["title"] for h in data["hits"] if h["type"] == "people")

    assert people("humaines") == ["Marine Petit"]  # her department
    assert people("direction ressources") == ["Marine Petit"]  # its parent
    assert people("Cassel") == ["Inès Benali"]  # her employer
    Department.objects.filter(pk=portal.hr.pk).update(name="Personnel")
    assert people("humaines") == [] and people("personnel") == ["Marine Petit"]
    portal.resources.name = "Pôle moyens"
    portal.resources.save()
    assert people("moyens") == ["Marine Petit"]
    portal.cassel.short_name = "Ville de Kassel"
    portal.cassel.save()
    assert people("kassel") == ["Inès Benali"]
    portal.hr_agent.last_name = "Delattre"
    portal.hr_agent.save()
    assert people("petit") == [] and people("delattre") == ["Marine Delattre"]
    portal.editor.skills.add("Soudure")
    assert people("soudure") == ["Camille Martin"]
