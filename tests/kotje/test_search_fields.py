"""Kotje's pages are found by Wagtail's search (the one search of the portal queries it): guides by their
summary and steps, tools by their purpose and tasks; French stemming on PostgreSQL."""

import pytest
from django.db import connection

from kotje.models import GuidePage, ToolFinderPage, ToolPage

pytestmark = pytest.mark.django_db


def test_guide_found_by_title_summary_and_steps(kotje):
    assert kotje.conge.pk in [p.pk for p in GuidePage.objects.live().search("congé")]
    assert kotje.conge.pk in [p.pk for p in GuidePage.objects.live().search("quinze")]  # in a step


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stemming needs PostgreSQL's french config")
def test_guide_found_by_plural(kotje):
    assert kotje.conge.pk in [p.pk for p in GuidePage.objects.live().search("congés")]


def test_tool_found_by_its_task(kotje):
    """Once published (as the admin and the demo do), a tool is found by the name of its task."""
    for tool in (kotje.ged, kotje.chat):
        tool.save_revision().publish()
    found = [p.pk for p in ToolPage.objects.live().search("partager un fichier")]
    assert kotje.ged.pk in found and kotje.chat.pk not in found


def test_finder_found_by_task_name(kotje):
    from wagtail.search.backends import get_search_backend

    backend = get_search_backend()
    backend.add(ToolFinderPage.objects.get(pk=kotje.finder.pk))  # tasks were created before it was indexed
    assert kotje.finder.pk in [p.pk for p in ToolFinderPage.objects.live().search("partager un fichier")]


def test_tool_found_by_a_task_added_in_an_edit(kotje):
    """Changing a tool's tasks and publishing re-indexes it with the new tasks."""
    chat = ToolPage.objects.get(pk=kotje.chat.pk)
    chat.tasks = [kotje.tasks["discuter"], kotje.tasks["partager-un-fichier"]]
    chat.save_revision().publish()
    assert kotje.chat.pk in [p.pk for p in ToolPage.objects.live().search("partager un fichier")]
