"""« Documents récents » on a warm home page (every fragment cached, intranet/dashboard.py): each change to
documents or to the agent's rights shows on the very next page; a revoked right never shows from cache."""

import pytest

from ged.actions import (
    document_share,
    document_trash,
    document_unshare,
    folder_restrict,
    grant_revoke,
)
from ged.choices import Role, SpacePolicy
from intranet.news.actions import home_page_ensure


@pytest.fixture
def home(client, agent, host_org):
    home_page_ensure()
    client.force_login(agent)

    def get():
        response = client.get("/")
        assert response.status_code == 200
        return response.content.decode().split('id="panel-ged_recent"')[1].split("</section>")[0]

    return get


def _warm(home, django_assert_num_queries):
    """Two views: the second comes whole from the cache (session, user, home page: three queries; the host
    organisation's name is cached too)."""
    first = home()
    with django_assert_num_queries(3):
        assert home() == first
    return first


def test_a_new_document_shows_on_the_next_home_page(home, make_space, upload, django_assert_num_queries):
    space = make_space(policy=SpacePolicy.OPEN)
    upload(space.root, "Ancien.txt")
    assert ">Ancien.txt<" in _warm(home, django_assert_num_queries)
    upload(space.root, "Nouveau.txt")
    assert ">Nouveau.txt<" in home()


def test_a_trashed_document_leaves_the_home_page(
    home, make_space, upload, manager, django_assert_num_queries
):
    space = make_space(policy=SpacePolicy.OPEN)
    doc, _v = upload(space.root, "Brouillon.txt")
    assert ">Brouillon.txt<" in _warm(home, django_assert_num_queries)
    document_trash(document=doc, actor=manager)
    assert ">Brouillon.txt<" not in home()


def test_a_revoked_grant_disappears_at_once(
    home, make_space, upload, grant, agent, manager, django_assert_num_queries
):
    space = make_space()
    upload(space.root, "Paie.txt")
    grant(space.root, Role.READER, user=agent)
    assert ">Paie.txt<" in _warm(home, django_assert_num_queries)
    grant_revoke(folder=space.root, actor=manager, user=agent)
    assert ">Paie.txt<" not in home()


def test_leaving_a_group_hides_its_documents_at_once(
    home, make_space, upload, grant, make_group, agent, django_assert_num_queries
):
    space = make_space()
    upload(space.root, "Planning.txt")
    group = make_group("Voirie", agent)
    grant(space.root, Role.READER, group=group)
    assert ">Planning.txt<" in _warm(home, django_assert_num_queries)
    agent.groups.remove(group)
    assert ">Planning.txt<" not in home()
    # and the other way: back in the group (from the group's side), back on the page
    group.user_set.add(agent)
    assert ">Planning.txt<" in home()


def test_a_folder_made_restricted_hides_its_documents_at_once(
    home, make_space, upload, subfolder, manager, django_assert_num_queries
):
    space = make_space(policy=SpacePolicy.OPEN)
    hidden = subfolder(space.root, "RH")
    upload(hidden, "Salaires.txt")
    assert ">Salaires.txt<" in _warm(home, django_assert_num_queries)
    folder_restrict(folder=hidden, restricted=True, actor=manager)
    assert ">Salaires.txt<" not in home()


def test_a_share_taken_back_disappears_at_once(
    home, make_space, upload, agent, manager, django_assert_num_queries
):
    space = make_space()
    doc, _v = upload(space.root, "Contrat.txt")
    assert ">Contrat.txt<" not in _warm(home, django_assert_num_queries)
    document_share(document=doc, actor=manager, user=agent)
    assert ">Contrat.txt<" in home()
    document_unshare(document=doc, actor=manager, user=agent)
    assert ">Contrat.txt<" not in home()


def test_a_space_closed_to_everyone_hides_its_documents(home, make_space, upload, django_assert_num_queries):
    space = make_space(policy=SpacePolicy.OPEN)
    upload(space.root, "Ouvert.txt")
    assert ">Ouvert.txt<" in _warm(home, django_assert_num_queries)
    space.policy = SpacePolicy.PRIVATE
    space.save(update_fields=["policy"])
    assert ">Ouvert.txt<" not in home()
