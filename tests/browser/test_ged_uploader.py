"""Issue 12 part 7, the uploader's defect: choosing files uploaded them and « Déposer » uploaded them
again (a version 2 from one upload, the comment on the duplicate). Now choosing or dropping only selects,
« Déposer » sends each file once with the comment, and the form is disabled while sending. Each file goes
through a resumable upload session; a network cut mid-upload resumes from the server's offset."""

import hashlib

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

# Records, for every upload request the page sends, whether the form's controls were disabled at that moment.
RECORD_SENDS = """() => {
  window.__sends = [];
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (body) {
    const form = document.querySelector("[data-ged-upload]");
    window.__sends.push({
      button: form.querySelector("button[type=submit]").disabled,
      input: form.querySelector("input[type=file]").disabled,
      comment: form.querySelector("input[name=comment]").disabled,
    });
    return send.call(this, body);
  };
}"""


@pytest.fixture
def folder(host_org, make_user, settings, tmp_path):
    from ged.actions import folder_create, space_create

    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    me = make_user("anais.decool", first_name="Anaïs", last_name="Decool", employer=host_org)
    space = space_create(name="Ressources humaines", slug="rh", creator=me)
    return folder_create(parent=space.root, name="Procédures", actor=me)


def test_each_file_is_sent_once_with_the_comment(page, login, folder, tmp_path):
    from ged.models import Version

    files = []
    for name, text in (("Accueil.txt", "Accueil des agents"), ("Congés.txt", "Règles des congés")):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        files.append(str(path))
    posts = []
    page.on(
        "request", lambda r: posts.append(r.url) if r.method == "POST" and "/ged/uploads" in r.url else None
    )

    login("anais.decool")
    page.goto(f"/documents/dossier/{folder.pk}/")
    page.set_input_files("[data-ged-upload] input[type=file]", files)
    # Choosing is not sending: the page says the files are ready and waits for « Déposer ».
    expect(page.get_by_text("2 fichiers prêts : cliquez sur « Déposer » pour les envoyer.")).to_be_visible()
    assert posts == []
    page.get_by_label("Commentaire (facultatif)").fill("Relu par le service RH")
    assert_accessible(page)

    with page.expect_navigation():  # the page reloads once both files are answered
        # A double submission (double click, Enter then click) must not send anything twice.
        page.evaluate(
            """() => {
              const form = document.querySelector("[data-ged-upload]");
              form.requestSubmit();
              form.requestSubmit();
            }"""
        )
    expect(page.get_by_role("link", name="Accueil.txt")).to_be_visible()
    expect(page.get_by_role("link", name="Congés.txt")).to_be_visible()
    # One session and one finish per file, nothing else.
    assert sorted(url.rsplit("/", 1)[-1] == "finish" for url in posts) == [False, False, True, True]

    versions = list(
        Version.objects.filter(document__folder=folder).values_list("document__title", "number", "comment")
    )
    assert sorted(versions) == [
        ("Accueil.txt", 1, "Relu par le service RH"),
        ("Congés.txt", 1, "Relu par le service RH"),
    ]
    assert_accessible(page)


def test_the_form_is_disabled_while_sending(page, login, folder, tmp_path):
    path = tmp_path / "Note.txt"
    path.write_text("Note de service", encoding="utf-8")
    login("anais.decool")
    page.goto(f"/documents/dossier/{folder.pk}/")
    page.evaluate(RECORD_SENDS)
    page.set_input_files("[data-ged-upload] input[type=file]", str(path))
    page.get_by_label("Commentaire (facultatif)").fill("Première diffusion")
    sends = []
    with page.expect_response(lambda r: r.url.endswith("/finish") and r.status == 201):
        page.locator("[data-ged-upload] button[type=submit]").click()
    sends = page.evaluate("() => window.__sends")
    # Session, part, finish: the form was disabled for each of them.
    assert sends == [{"button": True, "input": True, "comment": True}] * 3
    link = page.get_by_role("link", name="Note.txt")
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("cell", name="Première diffusion")).to_be_visible()
    assert_accessible(page)


def test_a_network_cut_mid_upload_resumes_from_the_server_offset(page, login, folder, tmp_path, settings):
    from ged import storage
    from ged.models import UploadSession, Version

    settings.GED_UPLOAD_CHUNK_MB = 1
    data = b"".join(hashlib.sha256(str(i).encode()).hexdigest().encode() for i in range(8 * 16384))
    path = tmp_path / "Registre.txt"
    path.write_bytes(data)
    failed, puts = [], []
    page.on("requestfailed", lambda r: failed.append(r.method))
    page.on("response", lambda r: puts.append(r.status) if r.request.method == "PUT" else None)

    login("anais.decool")
    page.goto(f"/documents/dossier/{folder.pk}/")
    page.set_input_files("[data-ged-upload] input[type=file]", str(path))
    page.get_by_label("Commentaire (facultatif)").fill("Registre 2025")
    with page.expect_response(lambda r: r.request.method == "PUT" and r.status == 200):
        page.locator("[data-ged-upload] button[type=submit]").click()
    page.context.set_offline(True)  # the network goes away mid-upload
    expect(page.get_by_text("Registre.txt : connexion interrompue")).to_be_visible()
    assert "PUT" in failed or "GET" in failed
    assert_accessible(page)
    assert page.locator("[data-ged-upload] button[type=submit]").is_disabled()
    with page.expect_navigation(timeout=60_000):  # back online: the upload resumes, then the page reloads
        page.context.set_offline(False)
    versions = list(Version.objects.filter(document__folder=folder))
    assert [(v.document.title, v.number, v.comment) for v in versions] == [
        ("Registre.txt", 1, "Registre 2025")
    ]
    assert versions[0].blob_id == hashlib.sha256(data).hexdigest()
    with storage.blob_open(versions[0].blob_id) as fh:
        assert fh.read() == data
    assert not UploadSession.objects.exists()
    # No byte went twice: 8 parts of 1 MB, or 9 when the cut left part of one on the server (resumed from
    # where it stopped, not resent).
    assert puts.count(200) in (8, 9)
    expect(page.get_by_role("link", name="Registre.txt")).to_be_visible()
    assert_accessible(page)
