"""Issue 12's reproductions (Trash, Follow, Restore) through the public routes, web and API, each with a
control request that shows the same route does answer for what the agent may see (security.md R11)."""

import pytest
from django.contrib.messages import get_messages

from ged.actions import document_trash, folder_restrict, grant_revoke
from ged.choices import Role, SpacePolicy
from ged.models import Document, Folder
from ged.permissions import readable_documents_q
from intranet.notifications.models import Notification


@pytest.fixture
def rh(space, subfolder, upload, manager):
    """The demo's shape: a private RH space, a restricted « Dossiers individuels » folder with a file."""
    individuals = subfolder(space.root, "Dossiers individuels")
    folder_restrict(folder=individuals, restricted=True, actor=manager)
    secret, _v = upload(individuals, "sanction-dupont.txt", b"dossier disciplinaire")
    public, _v = upload(space.root, "organigramme.txt", b"organigramme")
    return {"space": space, "individuals": individuals, "secret": secret, "public": public}


def _trash_titles_web(client, url):
    response = client.get(url)
    return response.status_code, response.content.decode()


def test_trash_of_a_restricted_folder_is_hidden_from_root_editors(client, rh, manager, make_user, grant):
    space, secret, public = rh["space"], rh["secret"], rh["public"]
    document_trash(document=secret, actor=manager)
    document_trash(document=public, actor=manager)
    root_editor = make_user()
    grant(space.root, Role.EDITOR, user=root_editor)
    client.force_login(root_editor)
    status, html = _trash_titles_web(client, f"/documents/espace/{space.slug}/corbeille/")
    assert status == 200
    assert "organigramme.txt" in html  # control: the root's own trashed document is listed
    assert "sanction-dupont" not in html and "Dossiers individuels" not in html
    api = client.get(f"/api/v1/ged/spaces/{space.slug}/trash").json()
    assert [d["id"] for d in api["documents"]] == [public.pk] and api["count"] == 1
    # Neither restore nor purge answers for it: the same 404 as a missing document.
    assert client.post(f"/api/v1/ged/documents/{secret.pk}/restore").status_code == 404
    assert client.post(f"/documents/document/{secret.pk}/restaurer/").status_code == 404
    assert client.post(f"/api/v1/ged/documents/{public.pk}/restore").status_code == 200  # control


def test_an_editor_of_the_restricted_folder_alone_reaches_and_restores_its_trash(
    client, rh, manager, make_user, grant
):
    space, individuals, secret, public = rh["space"], rh["individuals"], rh["secret"], rh["public"]
    document_trash(document=secret, actor=manager)
    document_trash(document=public, actor=manager)
    hr_officer = make_user()
    grant(individuals, Role.EDITOR, user=hr_officer)
    client.force_login(hr_officer)
    for url in (
        f"/documents/espace/{space.slug}/corbeille/",
        f"/documents/dossier/{individuals.pk}/corbeille/",
    ):
        status, html = _trash_titles_web(client, url)
        assert status == 200 and "sanction-dupont.txt" in html and "organigramme" not in html
    assert [
        d["id"] for d in client.get(f"/api/v1/ged/folders/{individuals.pk}/trash").json()["documents"]
    ] == [secret.pk]
    assert client.get(f"/api/v1/ged/folders/{space.root.pk}/trash").status_code == 404
    response = client.post(f"/documents/document/{secret.pk}/restaurer/")
    assert response.status_code == 302 and response.url == f"/documents/document/{secret.pk}/"
    secret.refresh_from_db()
    assert secret.trashed_at is None and secret.folder_id == individuals.pk
    # Someone with no editor role anywhere in the space gets the same 404 as for a missing space.
    reader = make_user()
    grant(space.root, Role.READER, user=reader)
    client.force_login(reader)
    assert client.get(f"/documents/espace/{space.slug}/corbeille/").status_code == 404
    assert client.get("/documents/espace/nulle-part/corbeille/").status_code == 404
    assert client.get(f"/documents/espace/{space.slug}/").status_code == 200  # control


def test_followers_hear_only_of_what_they_may_read_at_send_time(
    client, rh, manager, make_user, grant, upload
):
    space, individuals = rh["space"], rh["individuals"]
    follower = make_user()
    grant(space.root, Role.READER, user=follower)
    client.force_login(follower)
    assert client.post(f"/documents/dossier/{space.root.pk}/suivre/").status_code == 302
    upload(individuals, "sanction-dupont.txt", b"version 2", author=manager)
    assert not Notification.objects.filter(recipient=follower).exists()
    upload(space.root, "organigramme.txt", b"version 2", author=manager)  # control
    assert list(Notification.objects.filter(recipient=follower).values_list("url", flat=True)) == [
        f"/documents/document/{rh['public'].pk}/"
    ]
    # Access lost: no more notifications, though the follow row is still there.
    grant_revoke(folder=space.root, user=follower, actor=manager)
    upload(space.root, "organigramme.txt", b"version 3", author=manager)
    assert Notification.objects.filter(recipient=follower).count() == 1
    # API: a follower given the restricted folder hears of it again.
    grant(individuals, Role.READER, user=follower)
    upload(individuals, "sanction-dupont.txt", b"version 3", author=manager)
    assert Notification.objects.filter(recipient=follower).count() == 2


def test_a_deactivated_follower_or_reader_gets_nothing(rh, make_user, grant, upload, manager, make_space):
    open_space = make_space(policy=SpacePolicy.OPEN)
    upload(open_space.root, "public.txt", b"ouvert")
    gone = make_user()
    grant(rh["space"].root, Role.READER, user=gone)
    assert Document.objects.filter(readable_documents_q(gone)).count() == 2  # control: root doc + open one
    gone.is_active = False
    gone.save()
    gone = type(gone).objects.get(pk=gone.pk)
    assert not Document.objects.filter(readable_documents_q(gone)).exists()


def test_restore_never_widens_access(client, rh, manager, make_user, grant):
    space, individuals, secret = rh["space"], rh["individuals"], rh["secret"]
    hr_officer = make_user()
    grant(individuals, Role.EDITOR, user=hr_officer)
    client.force_login(hr_officer)
    assert client.post(f"/api/v1/ged/documents/{secret.pk}/trash").status_code == 204
    # The restricted folder cannot be deleted while it holds trashed documents (web and API alike).
    response = client.post(f"/documents/dossier/{individuals.pk}/supprimer/")
    assert response.status_code == 302
    assert "corbeille" in " ".join(m.message for m in get_messages(response.wsgi_request))
    assert Folder.objects.get(pk=individuals.pk).trashed_at is None
    # The restore answers what it did: where the document is, and that the agent still reads it.
    response = client.post(f"/api/v1/ged/documents/{secret.pk}/restore")
    assert response.status_code == 200
    body = response.json()
    assert body["folder"] == individuals.pk and body["readable"] is True
    assert body["document"]["id"] == secret.pk and "Dossiers individuels" in body["detail"]
    # Data from before the rule: the restricted folder is already deleted with a trashed document in it.
    # Restoring is refused with the reason, never moved to the (wider) root.
    client.post(f"/api/v1/ged/documents/{secret.pk}/trash")
    Folder.objects.filter(pk=individuals.pk).update(trashed_at=secret.created_at)
    response = client.post(f"/api/v1/ged/documents/{secret.pk}/restore")
    assert response.status_code == 400 and "restreint" in response.json()["detail"]
    response = client.post(f"/documents/document/{secret.pk}/restaurer/")
    assert response.status_code == 302
    assert "restreint" in " ".join(m.message for m in get_messages(response.wsgi_request))
    secret.refresh_from_db()
    assert secret.trashed_at is not None and secret.folder_id == individuals.pk
    root_reader = make_user()
    grant(space.root, Role.READER, user=root_reader)
    assert not Document.objects.filter(pk=secret.pk).filter(readable_documents_q(root_reader)).exists()


def test_restore_into_a_folder_the_agent_cannot_read_says_so(
    client, space, subfolder, upload, manager, make_user, grant
):
    """A plain (not restricted) folder's editor deletes it: the document goes up to the parent, which the
    agent may not read; the web and the API say so instead of answering 404."""
    folder = subfolder(space.root, "Projets")
    doc, _v = upload(folder, "plan.txt", b"plan")
    editor = make_user()
    grant(folder, Role.EDITOR, user=editor)
    client.force_login(editor)
    client.post(f"/api/v1/ged/documents/{doc.pk}/trash")
    assert client.post(f"/documents/dossier/{folder.pk}/supprimer/").status_code == 302
    assert Folder.objects.get(pk=folder.pk).trashed_at is not None
    response = client.post(f"/api/v1/ged/documents/{doc.pk}/restore")
    assert response.status_code == 200
    body = response.json()
    assert body["folder"] == space.root.pk and body["readable"] is False and body["document"] is None
