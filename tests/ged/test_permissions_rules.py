"""Named rules of the permission model and regressions from other products' advisories."""

import pytest

from ged.actions import document_move, folder_restrict
from ged.choices import Role, SpacePolicy
from ged.permissions import abilities, forget_grants


@pytest.fixture
def tree(space, subfolder, upload):
    a = subfolder(space.root, "A")
    b = subfolder(a, "B")
    c = subfolder(b, "C")
    doc, _ = upload(c, "profond.txt")
    return a, b, c, doc


def test_role_is_inherited_over_three_levels(tree, grant, agent):
    """A grant on A reaches a document in A/B/C."""
    a, _b, _c, doc = tree
    assert not abilities(agent, doc)["read"]
    grant(a, Role.READER, user=agent)
    forget_grants(agent)
    assert abilities(agent, doc)["read"]


def test_restricted_folder_stops_inheritance(tree, grant, agent, manager):
    """Restricting B stops A's grant; a grant on B itself still applies; the space manager keeps access."""
    a, b, _c, doc = tree
    grant(a, Role.EDITOR, user=agent)
    folder_restrict(folder=b, restricted=True, actor=manager)
    forget_grants(agent)
    assert not abilities(agent, doc)["read"]
    assert abilities(manager, doc)["share"]
    grant(b, Role.READER, user=agent)
    forget_grants(agent)
    ab = abilities(agent, doc)
    assert ab["read"] and not ab["trash"]


def test_highest_role_wins_between_user_and_group(tree, grant, agent, make_group):
    a, _b, c, doc = tree
    group = make_group("Service RH", agent)
    grant(a, Role.READER, user=agent)
    grant(c, Role.EDITOR, group=group)
    forget_grants(agent)
    assert abilities(agent, doc)["trash"]


def test_removed_group_member_loses_access_at_once(tree, grant, agent, make_group):
    a, _b, _c, doc = tree
    group = make_group("Service RH", agent)
    grant(a, Role.READER, group=group)
    forget_grants(agent)
    assert abilities(agent, doc)["read"]
    agent.groups.remove(group)
    forget_grants(agent)
    assert not abilities(agent, doc)["read"]


def test_reader_cannot_restore_upload_or_create_folders(tree, grant, agent):
    """oC-SA-2016-015 and NC-SA-2017-002: a reader neither restores versions nor creates subfolders."""
    a, _b, c, doc = tree
    grant(a, Role.READER, user=agent)
    forget_grants(agent)
    ab = abilities(agent, doc)
    assert ab["read"] and not ab["restore_version"] and not ab["upload_version"]
    assert not abilities(agent, c)["create_folder"]


def test_moving_document_out_of_shared_folder_removes_access(space, subfolder, upload, grant, agent, manager):
    shared = subfolder(space.root, "Partagé")
    private = subfolder(space.root, "Privé")
    doc, _ = upload(shared, "a.txt")
    grant(shared, Role.READER, user=agent)
    forget_grants(agent)
    assert abilities(agent, doc)["read"]
    document_move(document=doc, target=private, actor=manager)
    assert not abilities(agent, doc)["read"]


def test_open_space_gives_every_agent_read_but_not_write(make_space, subfolder, upload, agent):
    space = make_space(policy=SpacePolicy.OPEN)
    doc, _ = upload(space.root, "a.txt")
    ab = abilities(agent, doc)
    assert ab["read"] and not ab["upload_version"]


def test_open_space_restriction_hides_from_everyone(make_space, subfolder, upload, agent, manager):
    space = make_space(policy=SpacePolicy.OPEN)
    secret = subfolder(space.root, "RH")
    doc, _ = upload(secret, "a.txt")
    folder_restrict(folder=secret, restricted=True, actor=manager)
    assert not abilities(agent, doc)["read"]


def test_secret_space_is_unlisted_private_space_listed(client, agent, make_space):
    from ged.queries import my_spaces

    private = make_space(policy=SpacePolicy.PRIVATE)
    secret = make_space(policy=SpacePolicy.SECRET)
    spaces = my_spaces(agent)
    assert private in spaces["others"]
    assert secret not in spaces["mine"] + spaces["others"] + spaces["open"]


def test_grant_below_makes_parent_traversable_but_not_readable(tree, grant, agent, client):
    """An agent shared only on C can walk A and B to reach it (names only), as groupfolders#931 asks."""
    a, b, c, doc = tree
    grant(c, Role.READER, user=agent)
    forget_grants(agent)
    ab = abilities(agent, a)
    assert ab["enter"] and not ab["read"]
    client.force_login(agent)
    page = client.get(f"/documents/dossier/{a.pk}/")
    assert page.status_code == 200
    assert b"B" in page.content and b"profond.txt" not in page.content
    assert client.get(f"/documents/document/{doc.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            None,
            {
                "read": False,
                "upload_version": False,
                "restore_version": False,
                "trash": False,
                "share": False,
            },
        ),
        (
            Role.READER,
            {"read": True, "upload_version": False, "restore_version": False, "trash": False, "share": False},
        ),
        (
            Role.CONTRIBUTOR,
            {"read": True, "upload_version": True, "restore_version": True, "trash": False, "share": False},
        ),
        (
            Role.EDITOR,
            {"read": True, "upload_version": True, "restore_version": True, "trash": True, "share": False},
        ),
        (
            Role.MANAGER,
            {"read": True, "upload_version": True, "restore_version": True, "trash": True, "share": True},
        ),
    ],
)
def test_each_role_gives_its_abilities_on_an_inherited_document(tree, grant, agent, space, role, expected):
    """What each role allows on a document two levels below the grant (manager: on the space root). Kept from
    the old seeded-random matrix test, which the GED state machine replaced: the machine compares readability
    and access everywhere, this pins the ability ladder."""
    a, _b, _c, doc = tree
    if role is not None:
        grant(space.root if role == Role.MANAGER else a, role, user=agent)
    forget_grants(agent)
    ab = abilities(agent, doc)
    assert {k: ab[k] for k in expected} == expected
