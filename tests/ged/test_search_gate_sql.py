"""The document search's written-out SQL gate (`readable_documents_sql`, PostgreSQL) keeps exactly what the
ORM gate (`readable_documents_parts`) keeps, over a permission matrix: grants to an agent and through a
group, a restricted folder below a grant, a restriction on the granted folder itself, an open space's
restricted folder, a deleted restricted folder, shares to an agent and to a group, a secret space, a space
manager, an archived space, a superuser, a deactivated agent and an anonymous visitor. The search built on it
finds, counts and names folders as the ORM search over the same gate does."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ged.actions import document_share, document_trash, folder_restrict
from ged.choices import Role, SpacePolicy
from ged.models import Document, Space
from ged.permissions import forget_grants, readable_documents_parts, readable_documents_sql
from ged.queries import search_documents
from ged.queries.search import _orm_search

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the written-out gate is PostgreSQL's; SQLite keeps the ORM one"
)


def _sql_ids(user) -> tuple[set[int], set[int]]:
    """Ids of every document (trashed ones too) the SQL gate keeps, and those it keeps through folders."""
    gate = readable_documents_sql(user)
    if gate is None:
        return set(), set()
    sql = (
        f"SELECT d.id, {gate.through_folders} FROM ged_document d JOIN ged_folder f ON f.id = d.folder_id "  # noqa: S608
        f"JOIN ged_space s ON s.id = d.space_id {gate.joins} WHERE {gate.readable}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, gate.params)
        rows = cursor.fetchall()
    return {pk for pk, _in in rows}, {pk for pk, in_folder in rows if in_folder}


def _orm_ids(user) -> tuple[set[int], set[int]]:
    readable, through_folders = readable_documents_parts(user)
    every = Document.objects.all()
    return set(every.filter(readable).values_list("pk", flat=True)), set(
        every.filter(through_folders).values_list("pk", flat=True)
    )


@pytest.fixture
def matrix(make_space, upload, subfolder, manager, make_user, make_group, grant):
    """Every document holds the word « budget » in its title; returns the agents and the documents."""
    open_space = make_space(policy=SpacePolicy.OPEN)
    private = make_space()
    secret = make_space(policy=SpacePolicy.SECRET)
    archived = make_space(policy=SpacePolicy.OPEN)
    names = ("granted", "grouped", "shared", "group_shared", "secret_member", "space_manager", "nobody")
    agents = {name: make_user(name) for name in names}
    agents["inactive"] = make_user("inactive")
    agents["superuser"] = make_user("informatique", superuser=True)

    service = subfolder(private.root, "Service")
    below = subfolder(service, "Sous restreint")
    deeper = subfolder(below, "Plus bas")
    own = subfolder(private.root, "Restreint accordé")
    hidden = subfolder(open_space.root, "Dossiers individuels")
    gone = subfolder(open_space.root, "Ancien restreint")
    inner = subfolder(hidden, "Intérieur")
    for folder in (below, own, hidden, gone):
        folder_restrict(folder=folder, restricted=True, actor=manager)

    docs = {}
    for key, folder in (
        ("open", open_space.root),
        ("hidden", hidden),
        ("inner", inner),
        ("service", service),
        ("below", below),
        ("deeper", deeper),
        ("own", own),
        ("private_root", private.root),
        ("secret", secret.root),
        ("archived", archived.root),
        ("gone", gone),
        ("shared_alone", hidden),
        ("group_shared", private.root),
    ):
        docs[key] = upload(folder, f"Budget {key}.txt", f"budget {key}".encode())[0]
    document_trash(document=docs["gone"], actor=manager)  # a trashed document of a restricted folder
    gone.trashed_at = timezone.now()
    gone.save(update_fields=["trashed_at"])  # deleted, its trashed document still behind its restriction

    grant(service, Role.READER, user=agents["granted"])
    grant(own, Role.EDITOR, user=agents["granted"])
    grant(service, Role.READER, group=make_group("service", agents["grouped"], agents["inactive"]))
    grant(private.root, Role.READER, user=agents["inactive"])
    grant(secret.root, Role.READER, user=agents["secret_member"])
    grant(inner, Role.READER, user=agents["secret_member"])  # inside a restricted folder: applies
    grant(private.root, Role.MANAGER, user=agents["space_manager"])
    grant(archived.root, Role.MANAGER, user=agents["granted"])
    document_share(document=docs["shared_alone"], actor=manager, user=agents["shared"])
    document_share(document=docs["deeper"], actor=manager, user=agents["shared"], role="editor")
    document_share(
        document=docs["group_shared"], actor=manager, group=make_group("partage", agents["group_shared"])
    )
    document_share(document=docs["secret"], actor=manager, user=agents["inactive"])
    agents["inactive"].is_active = False
    agents["inactive"].save(update_fields=["is_active"])
    Space.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    agents["manager"] = manager
    agents["anonymous"] = AnonymousUser()
    for user in agents.values():
        if user.is_authenticated:
            forget_grants(user)
    return agents, docs


def test_sql_gate_keeps_what_the_orm_gate_keeps(matrix):
    agents, docs = matrix
    names = {d.pk: key for key, d in docs.items()}
    expected = {  # readable, and read through folders (a share alone does not show the folder)
        "granted": ({"open", "service", "own"}, {"open", "service", "own"}),
        "grouped": ({"open", "service"}, {"open", "service"}),
        "shared": ({"open", "shared_alone", "deeper"}, {"open"}),
        "group_shared": ({"open", "group_shared"}, {"open"}),
        "secret_member": ({"open", "inner", "secret"}, {"open", "inner", "secret"}),
        "nobody": ({"open"}, {"open"}),
        "inactive": (set(), set()),
        "anonymous": (set(), set()),
    }
    for name, user in agents.items():
        sql = _sql_ids(user)
        assert sql == _orm_ids(user), name
        if name in expected:
            assert tuple({names[pk] for pk in ids} for ids in sql) == expected[name], name
    # A manager of the private space reads it whole, restrictions included; IT reads every live space.
    readable, _through = _sql_ids(agents["space_manager"])
    assert {names[pk] for pk in readable} >= {"below", "deeper", "own", "service", "private_root"}
    assert "archived" not in {names[pk] for pk in _sql_ids(agents["superuser"])[0]}
    assert "gone" in {names[pk] for pk in _sql_ids(agents["manager"])[0]}


def test_written_out_search_agrees_with_the_orm_search(matrix, django_assert_num_queries):
    """Same hits, same count, same folder names (blank for a document read through its share alone), for
    every agent of the matrix; one query each once the grants are loaded."""
    agents, _docs = matrix
    for name, user in agents.items():
        if user.is_authenticated:
            forget_grants(user)
        hand, hand_total = search_documents(user, "budget", limit=50)
        orm, orm_total = _orm_search(user, "budget", limit=50, space=None)
        for row in orm:
            if not row["in_folder"]:
                row["folder__name"] = ""
        assert hand_total == orm_total == len(hand), name
        keys = ("id", "title", "space__name", "folder__name", "in_folder")
        by_id = {r["id"]: tuple(r[k] for k in keys) for r in orm}
        assert {r["id"]: tuple(r[k] for k in keys) for r in hand} == by_id, name
        assert search_documents(user, "budget", limit=0)[1] == hand_total, name
        if user.is_authenticated and user.is_active:
            with django_assert_num_queries(1):
                search_documents(user, "budget", limit=5)


def test_search_in_one_space_and_its_query_count(matrix):
    agents, docs = matrix
    user = agents["granted"]
    private = docs["service"].space
    rows, total = search_documents(user, "budget", space=private)
    assert {r["title"] for r in rows} == {"Budget service.txt", "Budget own.txt"} and total == 2
    forget_grants(user)
    with CaptureQueriesContext(connection) as ctx:
        search_documents(user, "budget", limit=1)
    assert len(ctx.captured_queries) == 2  # the grants, then the page with its count
