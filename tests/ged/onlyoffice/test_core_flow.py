"""Co-editing against the Document Server simulator: open, edit, force-save, close, versions and keys."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from ged.actions import document_lock, version_create, version_restore
from ged.models import EditorKey, OnlineSave, Version

pytestmark = pytest.mark.django_db(transaction=True)


def open_page(client, user, document):
    """The editor page as `user` sees it; returns (response, options from json_script)."""
    client.force_login(user)
    response = client.get(reverse("ged:onlyoffice_editor", args=[document.pk]))
    assert response.status_code == 200
    return response, options_of(response)


def options_of(response) -> dict:
    html = response.content.decode()
    start = html.index('id="onlyoffice-options"')
    start = html.index(">", start) + 1
    end = html.index("</script>", start)
    return json.loads(html[start:end])


def docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml").decode()


def read_blob(version: Version) -> bytes:
    from ged import storage

    with storage.blob_open(version.blob_id) as fh:
        return fh.read()


def test_two_editors_forcesave_then_close_make_versions_with_their_authors(
    onlyoffice_on, client, oo_docx, oo_editor, oo_coeditor
):
    """Each save becomes a version by the agent who saved; the key stays after 6 and rotates after 2."""
    sim = onlyoffice_on
    _, eva = open_page(client, oo_editor, oo_docx)
    _, cedric = open_page(client, oo_coeditor, oo_docx)
    key = eva["config"]["document"]["key"]
    assert cedric["config"]["document"]["key"] == key  # shared by co-editors
    assert eva["config"]["editorConfig"]["mode"] == "edit"

    assert sim.open(eva["config"], str(oo_editor.pk)).ok
    assert sim.open(cedric["config"], str(oo_coeditor.pk)).ok
    assert sorted(EditorKey.objects.get(key=key).editors) == sorted([str(oo_editor.pk), str(oo_coeditor.pk)])

    sim.edit(key, str(oo_editor.pk), text="Paragraphe d'Éva")
    saved = sim.forcesave(key, str(oo_editor.pk))
    assert saved.ok, saved
    v2 = Version.objects.get(document=oo_docx, number=2)
    assert v2.author == oo_editor
    assert v2.comment == "Modifié en ligne par Éva Éditrice"
    assert "Paragraphe d'Éva" in docx_text(read_blob(v2))
    ek = EditorKey.objects.get(key=key)
    assert ek.retired_at is None and ek.version_id == v2.pk  # status 6: same key, session goes on

    sim.edit(key, str(oo_coeditor.pk), text="Ajout de Cédric")
    results = sim.close(key, str(oo_editor.pk)) + sim.close(key, str(oo_coeditor.pk))
    assert all(r.ok for r in results), results
    assert [r.status for r in results][-1] == 2
    v3 = Version.objects.get(document=oo_docx, number=3)
    assert v3.author == oo_coeditor
    assert "Ajout de Cédric" in docx_text(read_blob(v3))
    assert EditorKey.objects.get(key=key).retired_at is not None  # rotated after status 2
    save = OnlineSave.objects.get(version=v3)
    assert save.history["changes"] and zipfile.is_zipfile(io.BytesIO(bytes(save.changes_zip)))

    _, again = open_page(client, oo_editor, oo_docx)
    assert again["config"]["document"]["key"] != key
    assert Version.objects.filter(document=oo_docx).count() == 3


def test_reader_gets_view_mode_and_no_edit_button(onlyoffice_on, client, oo_docx, oo_reader):
    """A reader opens the document read-only: `mode: view`, `permissions.edit: false`, no callbackUrl."""
    client.force_login(oo_reader)
    page = client.get(reverse("ged:document", args=[oo_docx.pk])).content.decode()
    assert "Modifier en ligne" not in page
    assert "Ouvrir" in page
    _, options = open_page(client, oo_reader, oo_docx)
    config = options["config"]
    assert config["editorConfig"]["mode"] == "view"
    assert config["document"]["permissions"]["edit"] is False
    assert "callbackUrl" not in config["editorConfig"]
    result = onlyoffice_on.open(config, str(oo_reader.pk))
    assert result.ok and result.mode == "view"


def test_editor_sees_the_edit_button(onlyoffice_on, client, oo_docx, oo_editor):
    client.force_login(oo_editor)
    page = client.get(reverse("ged:document", args=[oo_docx.pk])).content.decode()
    assert reverse("ged:onlyoffice_editor", args=[oo_docx.pk]) in page
    assert "Modifier en ligne" in page


def test_without_settings_no_button_and_endpoints_404(settings, client, oo_docx, oo_editor):
    """Co-editing off: the page offers download/upload only and every OnlyOffice route answers 404."""
    settings.ONLYOFFICE_URL = ""
    client.force_login(oo_editor)
    page = client.get(reverse("ged:document", args=[oo_docx.pk])).content.decode()
    assert "Modifier en ligne" not in page
    assert client.get(reverse("ged:onlyoffice_editor", args=[oo_docx.pk])).status_code == 404
    assert client.get(reverse("ged:onlyoffice_history", args=[oo_docx.pk])).status_code == 404
    url = reverse("ged:onlyoffice_callback", args=[oo_docx.pk, "x"])
    assert client.post(url, data="{}", content_type="application/json").status_code == 404


def test_document_locked_by_someone_else_opens_in_view_mode(
    onlyoffice_on, client, oo_docx, oo_editor, oo_coeditor
):
    """A held check-out is respected: other editors get view mode, the holder edits."""
    document_lock(document=oo_docx, actor=oo_coeditor)
    _, options = open_page(client, oo_editor, oo_docx)
    assert options["config"]["editorConfig"]["mode"] == "view"
    _, holder = open_page(client, oo_coeditor, oo_docx)
    assert holder["config"]["editorConfig"]["mode"] == "edit"


def test_lock_taken_during_session_keeps_the_save_as_a_conflict(
    onlyoffice_on, client, oo_docx, oo_editor, oo_coeditor
):
    """A check-out taken by someone else while Éva edits: her save is kept as a conflict version, never
    refused (refusing lost the edits); the check-out still stops her from uploading by hand."""
    _, options = open_page(client, oo_editor, oo_docx)
    key = options["config"]["document"]["key"]
    assert onlyoffice_on.open(options["config"], str(oo_editor.pk)).ok
    onlyoffice_on.edit(key, str(oo_editor.pk))
    document_lock(document=oo_docx, actor=oo_coeditor)
    result = onlyoffice_on.forcesave(key, str(oo_editor.pk))
    assert result.ok, result
    latest = Version.objects.get(document=oo_docx, number=2)
    assert latest.conflict and "Cédric Coauteur réservait le document" in latest.comment


def test_unedited_close_sends_status_4_and_keeps_the_key(onlyoffice_on, client, oo_docx, oo_editor):
    _, options = open_page(client, oo_editor, oo_docx)
    key = options["config"]["document"]["key"]
    assert onlyoffice_on.open(options["config"], str(oo_editor.pk)).ok
    results = onlyoffice_on.close(key, str(oo_editor.pk))
    assert [r.status for r in results] == [1, 4] and all(r.ok for r in results)
    ek = EditorKey.objects.get(key=key)
    assert ek.editors == [] and ek.retired_at is None
    assert Version.objects.filter(document=oo_docx).count() == 1


def test_saving_error_keeps_the_version_and_notifies_the_editors(onlyoffice_on, client, oo_docx, oo_editor):
    """Status 3 (and 7): nothing stored, the editors are told, the DS gets {"error":0}."""
    from intranet.notifications.models import Notification

    _, options = open_page(client, oo_editor, oo_docx)
    key = options["config"]["document"]["key"]
    assert onlyoffice_on.open(options["config"], str(oo_editor.pk)).ok
    onlyoffice_on.edit(key, str(oo_editor.pk))
    result = onlyoffice_on.forcesave(key, str(oo_editor.pk), misbehave="error_status")
    assert result.status == 7 and result.ok
    results = onlyoffice_on.close(key, str(oo_editor.pk), misbehave="error_status")
    assert results[-1].status == 3 and results[-1].ok
    assert Version.objects.filter(document=oo_docx).count() == 1
    assert Notification.objects.filter(recipient=oo_editor, verb="ged.onlyoffice.error").count() == 2


def test_upload_during_session_makes_the_key_stale(onlyoffice_on, client, oo_docx, oo_editor, manager):
    """An out-of-band version (upload, restore) retires the key: new openers get a new one, and the old
    session's save becomes a conflict version (tests/ged/onlyoffice/test_no_edit_lost.py)."""
    from ged.samples import docx_bytes

    _, options = open_page(client, oo_editor, oo_docx)
    key = options["config"]["document"]["key"]
    assert onlyoffice_on.open(options["config"], str(oo_editor.pk)).ok
    version_create(
        document=oo_docx, uploaded_file_or_path=_named(docx_bytes(["Manuel"]), "Rapport.docx"), author=manager
    )
    ek = EditorKey.objects.get(key=key)
    assert ek.retired_at is not None and ek.interruption == "upload" and not ek.closed_by_save
    _, fresh = open_page(client, oo_editor, oo_docx)
    assert fresh["config"]["document"]["key"] != key


def test_restore_rotates_the_key(onlyoffice_on, client, oo_docx, oo_editor, manager):
    from ged.samples import docx_bytes

    version_create(
        document=oo_docx, uploaded_file_or_path=_named(docx_bytes(["Deux"]), "Rapport.docx"), author=manager
    )
    _, before = open_page(client, oo_editor, oo_docx)
    version_restore(version=Version.objects.get(document=oo_docx, number=1), actor=manager)
    _, after = open_page(client, oo_editor, oo_docx)
    assert before["config"]["document"]["key"] != after["config"]["document"]["key"]


def test_history_lists_versions_with_changes_and_history_data_is_signed(
    onlyoffice_on, client, oo_docx, oo_editor
):
    """refreshHistory data: every version with key, author and the DS changes; setHistoryData: signed urls."""
    from ged import onlyoffice

    _, options = open_page(client, oo_editor, oo_docx)
    key = options["config"]["document"]["key"]
    assert onlyoffice_on.open(options["config"], str(oo_editor.pk)).ok
    onlyoffice_on.edit(key, str(oo_editor.pk))
    assert all(r.ok for r in onlyoffice_on.close(key, str(oo_editor.pk)))

    data = client.get(options["historyUrl"]).json()
    assert data["currentVersion"] == 2
    assert [h["version"] for h in data["history"]] == [1, 2]
    assert data["history"][1]["user"]["id"] == str(oo_editor.pk)
    assert data["history"][1]["changes"] and data["history"][1]["serverVersion"]
    keys = {h["key"] for h in data["history"]}
    assert len(keys) == 2 and key not in keys

    item = client.get(options["historyDataUrl"], {"version": 2}).json()
    assert onlyoffice.verify(item.pop("token")) == item
    assert item["previous"]["url"].startswith(onlyoffice_on.url) is False
    changes = client.get(item["changesUrl"].removeprefix(onlyoffice.app_base_url()))
    assert changes.status_code == 200
    assert changes["Access-Control-Allow-Origin"] == onlyoffice_on.url
    assert zipfile.is_zipfile(io.BytesIO(changes.content))
    assert client.get(options["historyDataUrl"], {"version": 9}).status_code == 404


def test_restore_from_history_creates_a_new_version(onlyoffice_on, client, oo_docx, oo_editor, manager):
    """onRequestRestore: a new version with the old content; history only grows."""
    from ged.samples import docx_bytes

    version_create(
        document=oo_docx, uploaded_file_or_path=_named(docx_bytes(["Deux"]), "Rapport.docx"), author=manager
    )
    _, options = open_page(client, oo_editor, oo_docx)
    response = client.post(
        options["restoreUrl"],
        data=json.dumps({"version": 1}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=options["csrfToken"],
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 3
    v3 = Version.objects.get(document=oo_docx, number=3)
    assert v3.restored_from == 1 and v3.blob_id == Version.objects.get(document=oo_docx, number=1).blob_id


def test_reader_cannot_restore_from_history(onlyoffice_on, client, oo_docx, oo_reader):
    _, options = open_page(client, oo_reader, oo_docx)
    response = client.post(options["restoreUrl"], data='{"version": 1}', content_type="application/json")
    assert response.status_code == 404
    assert Version.objects.filter(document=oo_docx).count() == 1


def test_outsider_gets_404_on_every_page_route(onlyoffice_on, client, oo_docx, make_user):
    client.force_login(make_user("intrus"))
    for name in ("ged:onlyoffice_editor", "ged:onlyoffice_history", "ged:onlyoffice_history_data"):
        assert client.get(reverse(name, args=[oo_docx.pk]), {"version": 1}).status_code == 404


@pytest.mark.parametrize("ext", ["xlsx", "pptx", "odt", "ods", "odp", "pdf"])
def test_other_formats_open_with_their_document_type(
    onlyoffice_on, client, make_office_document, oo_editor, ext
):
    document = make_office_document(ext)
    _, options = open_page(client, oo_editor, document)
    config = options["config"]
    assert config["document"]["fileType"] == ext
    assert onlyoffice_on.open(config, str(oo_editor.pk)).ok


def test_editor_page_query_count(onlyoffice_on, client, oo_docx, oo_editor, django_assert_max_num_queries):
    client.force_login(oo_editor)
    client.get(reverse("ged:onlyoffice_editor", args=[oo_docx.pk]))  # issues the key once
    # 11 on PostgreSQL: session, user, document (+ folder, space, version, lock holder), folder chain, grants;
    # the key under the document row lock (BEGIN, SELECT … FOR UPDATE, key, COMMIT); organisation and unread
    # notifications for the base template.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("ged:onlyoffice_editor", args=[oo_docx.pk]))
    assert response.status_code == 200


def _named(data: bytes, name: str):
    f = io.BytesIO(data)
    f.name = name
    return f
