"""Sharing a single document (issue 12 part 9): a document grant to an agent or a department is read through
the one gate — page, download, search, API, notifications, dashboard — without revealing its folder; revoking
it removes access at once; only editors of the folder share; the agent search finds active agents by name."""

import pytest
from django.core.exceptions import ValidationError

from ged.actions import (
    document_move,
    document_restore,
    document_share,
    document_trash,
    document_unshare,
    folder_restrict,
)
from ged.choices import Role, ShareRole
from ged.hooks import dashboard_recent, search
from ged.models import DocumentGrant
from intranet.audit.models import AccessEvent
from intranet.notifications.models import Notification


@pytest.fixture
def rh(space, subfolder, upload, manager):
    """A private RH space with a restricted « Dossiers individuels » folder and a file in it."""
    individuals = subfolder(space.root, "Dossiers individuels")
    folder_restrict(folder=individuals, restricted=True, actor=manager)
    doc, _v = upload(individuals, "Contrat Dupont.txt", b"contrat de travail")
    other, _v = upload(individuals, "Sanction Martin.txt", b"dossier disciplinaire")
    return {"space": space, "folder": individuals, "doc": doc, "other": other}


@pytest.fixture
def department(host_org, make_user):
    from intranet.people.actions import department_create

    return department_create(name="Finances", slug="finances", organisation=host_org)


def _reads(client, user, doc) -> dict:
    client.force_login(user)
    return {
        "page": client.get(f"/documents/document/{doc.pk}/").status_code,
        "download": client.get(f"/documents/document/{doc.pk}/telecharger/").status_code,
        "api": client.get(f"/api/v1/ged/documents/{doc.pk}").status_code,
    }


OK = {"page": 200, "download": 200, "api": 200}
NOT_FOUND = {"page": 404, "download": 404, "api": 404}


def test_shared_person_reads_the_document_but_not_its_folder(client, rh, manager, agent, make_user):
    doc = rh["doc"]
    outsider = make_user("outsider")
    assert _reads(client, agent, doc) == NOT_FOUND
    document_share(document=doc, actor=manager, user=agent)
    assert _reads(client, agent, doc) == OK
    assert _reads(client, outsider, doc) == NOT_FOUND
    client.force_login(agent)
    page = client.get(f"/documents/document/{doc.pk}/").content.decode()
    assert "Partagé avec vous" in page and "Dossiers individuels" not in page
    assert client.get(f"/documents/dossier/{rh['folder'].pk}/").status_code == 404
    assert client.get(f"/documents/document/{doc.pk}/acces/").status_code == 404  # the folder's access
    assert client.get(f"/documents/document/{rh['other'].pk}/").status_code == 404  # only that document
    # Search, dashboard and « Partagés avec moi » follow the gate.
    hits = search(agent, "contrat", 20)[0]
    assert [h.title for h in hits] == ["Contrat Dupont.txt"]
    assert "Dossiers individuels" not in hits[0].meta and "Ressources humaines" in hits[0].meta
    assert "Dossiers individuels" in search(manager, "contrat", 20)[0][0].meta  # control: its readers see it
    assert search(outsider, "contrat", 20)[1] == 0
    home = client.get("/documents/").content.decode()
    assert "Partagés avec moi" in home and "Contrat Dupont.txt" in home and "Gaëlle Gestion" in home
    listed = client.get("/api/v1/ged/shared-with-me").json()
    assert [d["title"] for d in listed["items"]] == ["Contrat Dupont.txt"] and listed["count"] == 1
    assert listed["items"][0]["role"] == "reader" and listed["items"][0]["shared_by"] == "Gaëlle Gestion"
    # Told once, audited.
    note = Notification.objects.get(recipient=agent, verb="ged.share")
    assert "Contrat Dupont.txt" in note.text and note.url == f"/documents/document/{doc.pk}/"
    assert AccessEvent.objects.filter(action="ged.document_share", actor=manager).count() == 1
    client.force_login(manager)
    page = client.get(f"/documents/document/{doc.pk}/acces/").content.decode()
    assert "Marie Dupont" in page and "lecteur, ce document lui est partagé par Gaëlle Gestion" in page


def test_dashboard_panel_shows_shared_document(rf, rh, manager, agent):
    document_share(document=rh["doc"], actor=manager, user=agent)
    request = rf.get("/")
    request.user = agent
    assert [d["title"] for d in dashboard_recent(request)["documents"]] == ["Contrat Dupont.txt"]


def test_revoking_removes_access_at_once(client, rh, manager, agent):
    doc = rh["doc"]
    document_share(document=doc, actor=manager, user=agent)
    assert _reads(client, agent, doc) == OK
    client.force_login(manager)
    response = client.post(f"/documents/document/{doc.pk}/acces/retirer/", {"principal": f"u{agent.pk}"})
    assert response.status_code == 302
    assert not DocumentGrant.objects.exists()
    assert _reads(client, agent, doc) == NOT_FOUND
    assert search(agent, "contrat", 20)[1] == 0
    assert client.get("/api/v1/ged/shared-with-me").json()["count"] == 0
    assert AccessEvent.objects.filter(action="ged.document_unshare").count() == 1


def test_share_with_a_department(client, rh, manager, make_user, department):
    doc = rh["doc"]
    member, other = make_user("membre.finances"), make_user("autre.agent")
    member.groups.add(department.group)
    client.force_login(manager)
    response = client.post(
        f"/documents/document/{doc.pk}/acces/partager/", {"group": department.group.pk, "role": "reader"}
    )
    assert response.status_code == 302
    assert _reads(client, member, doc) == OK
    assert _reads(client, other, doc) == NOT_FOUND
    assert Notification.objects.filter(recipient=member, verb="ged.share").count() == 1
    client.force_login(manager)
    page = client.get(f"/documents/document/{doc.pk}/acces/").content.decode()
    assert "Partages de ce document" in page and "Service « Finances »" in page
    # « Qui a accès » names the member and says why.
    assert member.get_full_name() in page and other.get_full_name() not in page
    assert "ce document est partagé avec le service « Finances » par Gaëlle Gestion" in page


@pytest.mark.parametrize(
    ("role", "may_share"),
    [(Role.READER, False), (Role.CONTRIBUTOR, False), (Role.EDITOR, True), (Role.MANAGER, True)],
)
def test_only_editors_of_the_folder_share(client, rh, manager, make_user, grant, agent, role, may_share):
    """A reader (or contributor) of the folder gets 404 on the share route; an editor shares."""
    doc = rh["doc"]
    member = make_user("membre")
    grant(rh["folder"], role, user=member)
    client.force_login(member)
    data = {"principal": f"u{agent.pk}", "role": "reader"}
    response = client.post(f"/documents/document/{doc.pk}/acces/partager/", data)
    assert response.status_code == (302 if may_share else 404)
    assert DocumentGrant.objects.filter(user=agent).exists() == may_share
    page = client.get(f"/documents/document/{doc.pk}/").content.decode()
    assert ("#partager" in page) == may_share


def test_a_grantee_cannot_share_further(client, rh, manager, agent, make_user):
    doc = rh["doc"]
    document_share(document=doc, actor=manager, user=agent, role=ShareRole.EDITOR)
    client.force_login(agent)
    friend = make_user("ami")
    data = {"principal": f"u{friend.pk}", "role": "reader"}
    response = client.post(f"/documents/document/{doc.pk}/acces/partager/", data)
    assert response.status_code == 404
    assert client.get(f"/api/v1/ged/documents/{doc.pk}/grants").status_code == 404


def test_editor_share_sends_new_versions_reader_share_does_not(client, rh, manager, agent, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    doc = rh["doc"]
    reader = make_user("lecteur")
    document_share(document=doc, actor=manager, user=agent, role=ShareRole.EDITOR)
    document_share(document=doc, actor=manager, user=reader, role=ShareRole.READER)
    url = f"/documents/document/{doc.pk}/nouvelle-version/"
    client.force_login(reader)
    response = client.post(url, {"file": SimpleUploadedFile("Contrat Dupont.txt", b"v2"), "comment": ""})
    assert response.status_code == 404
    client.force_login(agent)
    response = client.post(url, {"file": SimpleUploadedFile("Contrat Dupont.txt", b"v2"), "comment": "ok"})
    assert response.status_code in (200, 302)
    doc.refresh_from_db()
    assert doc.current_version.number == 2
    abilities = client.get(f"/api/v1/ged/documents/{doc.pk}").json()["abilities"]
    assert abilities["upload_version"] and not abilities["rename"] and not abilities["trash"]
    assert not abilities["share_document"] and not abilities["view_access"]


def test_trash_restore_and_move_keep_the_grant(client, rh, manager, agent, subfolder, space):
    doc = rh["doc"]
    document_share(document=doc, actor=manager, user=agent)
    document_trash(document=doc, actor=manager)
    assert _reads(client, agent, doc) == NOT_FOUND  # in the trash, only editors of its folder see it
    assert search(agent, "contrat", 20)[1] == 0
    document_restore(document=doc, actor=manager)
    assert _reads(client, agent, doc) == OK
    archive = subfolder(space.root, "Archives")
    document_move(document=doc, target=archive, actor=manager)
    assert _reads(client, agent, doc) == OK
    with pytest.raises(ValidationError):
        document_trash(document=doc, actor=manager)
        doc.refresh_from_db()
        document_share(document=doc, actor=manager, user=agent)


def test_deactivated_grantee_reads_nothing(client, rh, manager, agent):
    doc = rh["doc"]
    document_share(document=doc, actor=manager, user=agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert search(agent, "contrat", 20)[1] == 0
    with pytest.raises(ValidationError):
        document_share(document=doc, actor=manager, user=agent)


def test_share_form_bad_input_is_a_french_400(client, rh, manager, department, agent):
    doc = rh["doc"]
    client.force_login(manager)
    url = f"/documents/document/{doc.pk}/acces/partager/"
    for data in ({}, {"principal": "u999999"}, {"principal": "zz"}, {"group": "abc"}, {"role": "manager"}):
        response = client.post(url, {"role": "reader", **data})
        assert response.status_code == 400
        assert "Choisissez" in response.content.decode() or "Sélectionnez" in response.content.decode()
    both = client.post(url, {"principal": f"u{agent.pk}", "group": department.group.pk, "role": "reader"})
    assert both.status_code == 400 and "pas les deux" in both.content.decode()
    assert not DocumentGrant.objects.exists()
    assert client.post(url, {"principal": f"u{agent.pk}", "role": "editor"}).status_code == 302


def test_agent_search_by_name_active_only_bounded(client, agent, make_user, department):
    helene = make_user("helene.l", first_name="Hélène", last_name="Lefebvre", department=department)
    make_user("helene.x", first_name="Hélène", last_name="Partie", is_active=False)
    make_user("paul", first_name="Paul", last_name="Durand")
    for i in range(25):
        make_user(f"lef{i}", first_name=f"Prénom{i}", last_name="Lefebvre")
    client.force_login(agent)
    html = client.get("/documents/agents/", {"q": "helene"}).content.decode()
    assert "Hélène Lefebvre" in html and "Partie" not in html and "Durand" not in html
    assert f'value="u{helene.pk}"' in html and "Finances" in html
    assert "@" not in html  # no e-mail address
    by_department = client.get("/documents/agents/", {"q": "finances"}).content.decode()
    assert "Hélène Lefebvre" in by_department and "Durand" not in by_department
    many = client.get("/documents/agents/", {"q": "lefebvre"}).content.decode()
    assert many.count('type="radio"') == 20 and "précisez le nom" in many
    assert 'type="radio"' not in client.get("/documents/agents/", {"q": "h"}).content.decode()
    client.logout()
    assert client.get("/documents/agents/", {"q": "helene"}).status_code == 302  # login required


def test_sharing_forms_list_no_agents_until_searched(client, rh, manager, make_user):
    for i in range(5):
        make_user(f"personne{i}", first_name="Zoé", last_name=f"Nom{i}")
    client.force_login(manager)
    page = client.get(f"/documents/dossier/{rh['folder'].pk}/acces/").content.decode()
    assert "Zoé" not in page and 'name="q"' in page
    found = client.get(f"/documents/document/{rh['doc'].pk}/acces/", {"q": "zoe"}).content.decode()
    assert found.count('name="principal" value="u') == 5  # without scripts: the GET form's answer


def test_api_detail_lists_grants_for_editors_and_share_round_trip(client, rh, manager, agent, make_user):
    doc = rh["doc"]
    client.force_login(manager)
    url = f"/api/v1/ged/documents/{doc.pk}/grants"
    response = client.post(url, {"user": agent.pk, "role": "editor"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["name"] == "Marie Dupont"
    detail = client.get(f"/api/v1/ged/documents/{doc.pk}").json()
    grants = [(g["kind"], g["principal"], g["role"]) for g in detail["grants"]]
    assert grants == [("user", agent.pk, "editor")]
    bad = client.post(url, {"role": "reader"}, content_type="application/json")
    assert bad.status_code == 400 and "user" in bad.json()["detail"]
    client.force_login(agent)
    assert client.get(f"/api/v1/ged/documents/{doc.pk}").json()["grants"] is None
    client.force_login(manager)
    assert client.delete(f"{url}/user/{agent.pk}").status_code == 204
    assert client.delete(f"{url}/user/{agent.pk}").status_code == 404
    client.force_login(agent)
    assert client.get(f"/api/v1/ged/documents/{doc.pk}").status_code == 404


def test_shared_with_me_pinned_queries(client, rh, manager, agent, django_assert_num_queries, upload, space):
    for i in range(5):
        doc, _v = upload(rh["folder"], f"Fiche {i}.txt", b"x")
        document_share(document=doc, actor=manager, user=agent)
    client.force_login(agent)
    client.get("/api/v1/ged/shared-with-me")
    # session, user, grants, restricted folders, count, page (whatever the number of documents)
    with django_assert_num_queries(6):
        data = client.get("/api/v1/ged/shared-with-me").json()
    assert data["count"] == 5


def test_unshare_of_nobody_changes_nothing(rh, manager, agent):
    assert document_unshare(document=rh["doc"], actor=manager, user=agent) == 0
    assert not AccessEvent.objects.filter(action="ged.document_unshare").exists()
