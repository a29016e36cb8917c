"""No co-edit lost (issue 12, part 4), against the Document Server simulator over real HTTP: a session
interrupted by an upload keeps its edits as conflict versions (and the DS is asked to force-save through the
outbox); a save we cannot store now (antivirus down) answers 503 so the DS keeps the file; forgotten files
come back with `onlyoffice_recover`; an editor who loses rights is dropped from the session."""

import io
import shutil
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from ged.actions import grant_revoke
from ged.models import EditorKey, Version
from ged.samples import docx_bytes
from intranet.notifications.models import Notification
from intranet.outbox.models import OutboxItem
from intranet.outbox.worker import run_due
from tests.ged.test_antivirus_clamd import Clamd, _clamd_binary

from .test_core_flow import docx_text, open_page, read_blob

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def clamd_server():
    """A real clamd of our own (this module stops and restarts it: « antivirus down », then back)."""
    binary = _clamd_binary()
    if binary is None:
        pytest.skip("clamd absent : installez clamav-daemon (scripts/system-deps.sh) / clamd not installed")
    directory = Path(tempfile.mkdtemp(prefix="intranet-clamd-oo-"))
    server = Clamd(binary, directory)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def antivirus(clamd_server, settings):
    settings.CLAMD_SOCKET = clamd_server.socket
    settings.CLAMD_HOST = ""
    if clamd_server.process is None or clamd_server.process.poll() is not None:
        clamd_server.start()
    return clamd_server


def _upload_by_hand(client, user, document, text: str):
    """A new version through the document page's form, as the agent does it."""
    client.force_login(user)
    upload = io.BytesIO(docx_bytes([text]))
    upload.name = "Rapport annuel.docx"
    response = client.post(reverse("ged:new_version", args=[document.pk]), {"file": upload, "comment": text})
    assert response.status_code == 302, response.content[:300]


def _start_session(client, sim, document, editor, text: str) -> str:
    _, options = open_page(client, editor, document)
    key = options["config"]["document"]["key"]
    assert sim.open(options["config"], str(editor.pk)).ok
    sim.edit(key, str(editor.pk), text=text)
    return key


def test_upload_during_a_session_keeps_the_session_as_conflict_versions(
    onlyoffice_on, client, oo_docx, oo_editor, manager
):
    sim = onlyoffice_on
    key = _start_session(client, sim, oo_docx, oo_editor, "Paragraphe d'Éva")

    _upload_by_hand(client, manager, oo_docx, "Envoi manuel")
    ek = EditorKey.objects.get(key=key)
    assert ek.retired_at is not None and ek.interruption == "upload" and ek.interrupted_by == manager
    # The forcesave is a row of the outbox, not a call made inside the upload's request.
    assert not [c for c in sim.commands if c.get("c") == "forcesave"]
    assert OutboxItem.objects.filter(kind="ged.onlyoffice.forcesave", payload={"key": key}).count() == 1

    assert run_due(queue="default") == (1, 0)
    sim.wait_idle()
    assert [c["key"] for c in sim.commands if c.get("c") == "forcesave"] == [key]
    saved = sim.callbacks[-1]
    assert saved.status == 6 and saved.body["forcesavetype"] == 0 and saved.ok, saved

    manual, conflict = Version.objects.filter(document=oo_docx, number__in=[2, 3]).order_by("number")
    assert "Envoi manuel" in docx_text(read_blob(manual)) and not manual.conflict
    assert conflict.conflict and conflict.author == oo_editor
    assert "Paragraphe d'Éva" in docx_text(read_blob(conflict))
    assert conflict.comment == (
        "Version en conflit — enregistrée depuis l'éditeur en ligne pendant que "
        f"{manager.get_full_name()} déposait une nouvelle version."
    )
    for user in (oo_editor, manager):
        assert Notification.objects.filter(recipient=user, verb="ged.onlyoffice.conflict").count() == 1

    client.force_login(oo_editor)
    page = client.get(reverse("ged:document", args=[oo_docx.pk])).content.decode()
    assert "La version 3 est en conflit" in page and "Version en conflit" in page

    # The session goes on under its retired key: its final save is one more conflict version, then the key
    # is closed by that save and refuses any new content.
    sim.edit(key, str(oo_editor.pk), text="Conclusion d'Éva")
    assert all(r.ok for r in sim.close(key, str(oo_editor.pk)))
    last = Version.objects.get(document=oo_docx, number=4)
    assert last.conflict and "Conclusion d'Éva" in docx_text(read_blob(last))
    assert EditorKey.objects.get(key=key).closed_by_save
    other = sim._store(docx_bytes(["Autre contenu"]), "output.docx")
    late = sim.callback(key, 6, user_id=str(oo_editor.pk), url=other)
    assert late.http_status == 403 and Version.objects.filter(document=oo_docx).count() == 4


def test_antivirus_down_during_a_save_answers_503_and_a_retry_stores_it(
    onlyoffice_on, antivirus, client, oo_docx, oo_editor
):
    sim = onlyoffice_on
    key = _start_session(client, sim, oo_docx, oo_editor, "Texte gardé par le DS")
    antivirus.stop()
    failed = sim.forcesave(key, str(oo_editor.pk))
    assert failed.http_status == 503 and failed.answer == {"error": 1} and failed.attempts == 4, failed
    assert [f["key"] for f in sim.forgotten] == [key]  # the DS keeps the file
    assert Version.objects.filter(document=oo_docx).count() == 1

    antivirus.start()
    again = sim.forcesave(key, str(oo_editor.pk))
    assert again.ok, again
    version = Version.objects.get(document=oo_docx, number=2)
    assert not version.conflict and "Texte gardé par le DS" in docx_text(read_blob(version))


def test_forgotten_file_is_recovered_by_the_command(
    onlyoffice_on, antivirus, client, oo_docx, oo_editor, manager
):
    sim = onlyoffice_on
    key = _start_session(client, sim, oo_docx, oo_editor, "Fin de session d'Éva")
    antivirus.stop()
    closed = sim.close(key, str(oo_editor.pk))
    assert closed[-1].status == 2 and closed[-1].http_status == 503
    antivirus.start()
    _upload_by_hand(client, manager, oo_docx, "Envoi entre-temps")

    out = io.StringIO()
    call_command("onlyoffice_recover", "--list", stdout=out)
    assert key in out.getvalue() and "Rapport annuel.docx" in out.getvalue()
    assert Version.objects.filter(document=oo_docx).count() == 2  # --list only prints

    out = io.StringIO()
    call_command("onlyoffice_recover", stdout=out)
    assert "importé comme version 3, en conflit" in out.getvalue()
    recovered = Version.objects.get(document=oo_docx, number=3)
    assert recovered.conflict and "Fin de session d'Éva" in docx_text(read_blob(recovered))
    assert sim.forgotten == []
    assert [c["c"] for c in sim.commands][-3:] == ["getForgottenList", "getForgotten", "deleteForgotten"]

    out = io.StringIO()
    call_command("onlyoffice_recover", stdout=out)  # idempotent
    assert "Aucun fichier oublié" in out.getvalue()
    assert Version.objects.filter(document=oo_docx).count() == 3


def test_drop_is_sent_when_an_editor_loses_edit_rights(
    onlyoffice_on, client, oo_docx, oo_folder, oo_editor, oo_coeditor, manager
):
    sim = onlyoffice_on
    _, eva = open_page(client, oo_editor, oo_docx)
    _, cedric = open_page(client, oo_coeditor, oo_docx)
    key = eva["config"]["document"]["key"]
    assert sim.open(eva["config"], str(oo_editor.pk)).ok
    assert sim.open(cedric["config"], str(oo_coeditor.pk)).ok

    grant_revoke(folder=oo_folder, actor=manager, user=oo_editor)
    assert sim.dropped == []  # nothing sent from inside the revocation
    assert run_due(queue="default") == (1, 0)
    sim.wait_idle()
    assert sim.dropped == [{"key": key, "users": [str(oo_editor.pk)]}]
    assert set(sim.sessions[key].users) == {str(oo_coeditor.pk)}  # Cédric stays
    assert EditorKey.objects.get(key=key).editors == [str(oo_coeditor.pk)]


def test_drop_is_sent_when_an_editor_is_deactivated(onlyoffice_on, client, oo_docx, oo_editor):
    from intranet.people.leavers import user_deactivate

    sim = onlyoffice_on
    _, eva = open_page(client, oo_editor, oo_docx)
    key = eva["config"]["document"]["key"]
    assert sim.open(eva["config"], str(oo_editor.pk)).ok

    user_deactivate(user=oo_editor, reason="test")
    assert run_due(queue="default") == (1, 0)
    sim.wait_idle()
    assert sim.dropped == [{"key": key, "users": [str(oo_editor.pk)]}]
