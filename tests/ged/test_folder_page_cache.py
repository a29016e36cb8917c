"""The GED folder page's listing through the cache (ged.queries.folder_listing_cached): a warm page reads no
listing query, and every change to a document, a folder or the agent's rights shows on the very next page
(the « ged » topic and the permission version are in the key, intranet/dashboard.py)."""

import re

import pytest
from django.urls import reverse

from ged.actions import document_lock, document_update, folder_rename, grant_revoke
from ged.choices import Role
from ged.models import Folder

WARM = 8


@pytest.fixture
def folder_page(client, agent):
    client.force_login(agent)

    def get(folder, status=200):
        response = client.get(reverse("ged:folder", args=[folder.pk]))
        assert response.status_code == status
        # The CSRF token is masked afresh on every response: left out of the comparisons.
        return re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode())

    return get


def _warm(folder_page, folder, django_assert_max_num_queries, django_assert_num_queries):
    """The first view reads the listing (children, page, count, rights below the sub-folders) and stores it;
    the second reads it from the cache: session, agent, folder access and follow status only."""
    with django_assert_max_num_queries(40) as cold:
        first = folder_page(folder)
    with django_assert_num_queries(WARM):
        assert folder_page(folder) == first
    assert len(cold.captured_queries) >= WARM + 3
    return first


@pytest.fixture
def shared(make_space, subfolder, upload, grant, agent):
    space = make_space()
    folder = subfolder(space.root, "Marchés")
    subfolder(folder, "Avenants")
    doc, _v = upload(folder, "Cahier des charges.txt")
    grant(folder, Role.READER, user=agent)
    return folder, doc


def test_a_renamed_document_shows_on_the_next_folder_page(
    folder_page, shared, manager, django_assert_max_num_queries, django_assert_num_queries
):
    folder, doc = shared
    assert "Cahier des charges.txt" in _warm(
        folder_page, folder, django_assert_max_num_queries, django_assert_num_queries
    )
    document_update(document=doc, actor=manager, title="Cahier révisé.txt")
    page = folder_page(folder)
    assert "Cahier révisé.txt" in page and "Cahier des charges.txt" not in page


def test_a_new_document_and_a_lock_show_on_the_next_folder_page(
    folder_page, shared, upload, manager, django_assert_max_num_queries, django_assert_num_queries
):
    folder, doc = shared
    page = _warm(folder_page, folder, django_assert_max_num_queries, django_assert_num_queries)
    assert "Annexe.txt" not in page and "réservé (Gaëlle Gestion)" not in page
    upload(folder, "Annexe.txt")
    assert "Annexe.txt" in folder_page(folder)
    document_lock(document=doc, actor=manager)
    assert "réservé (Gaëlle Gestion)" in folder_page(folder)


def test_a_renamed_subfolder_shows_on_the_next_folder_page(
    folder_page, shared, manager, django_assert_max_num_queries, django_assert_num_queries
):
    folder, _doc = shared
    assert "Avenants" in _warm(folder_page, folder, django_assert_max_num_queries, django_assert_num_queries)
    child = Folder.objects.get(name="Avenants")
    folder_rename(folder=child, name="Avenants signés", actor=manager)
    assert "Avenants signés" in folder_page(folder)


def test_a_revoked_grant_never_shows_the_folder_from_the_cache(
    folder_page, shared, manager, agent, django_assert_max_num_queries, django_assert_num_queries
):
    folder, _doc = shared
    _warm(folder_page, folder, django_assert_max_num_queries, django_assert_num_queries)
    grant_revoke(folder=folder, actor=manager, user=agent)
    folder_page(folder, status=404)
