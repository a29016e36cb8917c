"""Query counts pinned on every listing and page, identical for small and large folders and many groups."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ged.choices import Role
from ged.models import Document, Version

from .conftest import Named


def _bulk_docs(folder, n, author):
    """Many documents cheaply (one real upload, then rows sharing its blob)."""
    from ged.actions import document_upload

    doc, v = document_upload(folder=folder, uploaded_file_or_path=Named(b"x", "modele.txt"), author=author)
    docs = Document.objects.bulk_create(
        [Document(title=f"Doc {i:05}.txt", folder=folder, space_id=folder.space_id) for i in range(n)]
    )
    versions = Version.objects.bulk_create(
        [
            Version(
                document=d,
                number=1,
                blob_id=v.blob_id,
                size=1,
                mime_type="text/plain",
                original_name=d.title,
                author=author,
            )
            for d in docs
        ]
    )
    for d, ver in zip(docs, versions, strict=True):
        d.current_version = ver
    Document.objects.bulk_update(docs, ["current_version"])


def _count(client, url):
    client.get(url)  # warm the per-user caches of the page layout (admin link, host name)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("size", [3, 300])
def test_folder_page_queries_do_not_grow_with_documents(
    client, space, subfolder, manager, agent, grant, size, make_group
):
    folder = subfolder(subfolder(space.root, "A"), "B")
    _bulk_docs(folder, size, manager)
    for i in range(20):
        grant(space.root if i % 2 else folder, Role.READER, group=make_group(f"g{i}", agent))
    client.force_login(agent)
    # session, user, folder, ancestors, grants, follow flag + layout; the listing from the per-agent cache
    assert _count(client, f"/documents/dossier/{folder.pk}/") == 8
    assert _count(client, f"/documents/dossier/{folder.pk}/?tri=taille&page=2") == 8
    # session, user, folder, ancestors, grants, children, count, page
    assert _count(client, f"/api/v1/ged/folders/{folder.pk}") == 8


def test_folder_page_same_queries_for_one_or_fifty_groups(
    client, space, subfolder, manager, agent, grant, make_group
):
    folder = subfolder(space.root, "A")
    _bulk_docs(folder, 5, manager)
    grant(folder, Role.READER, user=agent)
    client.force_login(agent)
    one = _count(client, f"/documents/dossier/{folder.pk}/")
    for i in range(50):
        grant(folder, Role.READER, group=make_group(f"g{i}", agent))
    assert _count(client, f"/documents/dossier/{folder.pk}/") == one


@pytest.mark.parametrize("versions", [1, 30])
def test_document_page_queries(client, space, upload, manager, versions):
    from ged.actions import version_create

    doc, _ = upload(space.root, "a.txt", b"0")
    for i in range(versions - 1):
        version_create(
            document=doc, uploaded_file_or_path=Named(f"{i + 1}".encode(), "a.txt"), author=manager
        )
    client.force_login(manager)
    # session, user, document, ancestors, grants, versions, follow, history, audit, the newest circuit
    # (ged/circuits section), the type, due date and hold (ged/retention section), + layout (unread)
    assert _count(client, f"/documents/document/{doc.pk}/") == 12


def test_spaces_page_and_trash_and_access_queries(client, make_space, manager, upload, subfolder):
    from ged.actions import document_trash

    spaces = [make_space() for _ in range(5)]
    folder = subfolder(spaces[0].root, "A")
    for i in range(5):
        doc, _ = upload(folder, f"{i}.txt", f"{i}".encode())
        document_trash(document=doc, actor=manager)
    client.force_login(manager)
    # session, user, grants, restricted folders and documents shared with me (the gate), spaces, user and
    # group permissions (may create spaces?), + layout (host, unread)
    assert _count(client, "/documents/") == 10
    # session, user, space, grants, count, page, + layout
    assert _count(client, f"/documents/espace/{spaces[0].slug}/corbeille/") == 8
    # session, user, folder, ancestors, grants, user grants, group grants, agents total, departments for
    # the form (agents are searched by name, none listed), + layout
    assert _count(client, f"/documents/dossier/{folder.pk}/acces/") == 11


def test_profile_section_lists_only_visible_spaces(rf, make_space, agent, manager, grant):
    from ged.choices import SpacePolicy
    from ged.hooks import profile_spaces

    visible = make_space()
    secret = make_space(policy=SpacePolicy.SECRET)
    grant(visible.root, Role.READER, user=manager)
    request = rf.get("/")
    request.user = agent
    ctx = profile_spaces(request, manager)
    labels = [i["label"] for i in ctx["items"]]
    assert visible.name in labels and secret.name not in labels
