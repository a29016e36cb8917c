"""Hostile uploads (R4): too big, empty, zip bombs, zip slip, type confusion, odd names. Each refused with a
French message or normalised, and nothing partial stored."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from ged import storage
from ged.models import Document, Version
from ged.names import clean_name, content_disposition
from ged.samples import docx_bytes

from .conftest import Named


def _nothing_stored():
    assert not Version.objects.exists()
    assert storage.blob_list() == []
    assert not list(storage.tmp_dir().iterdir())


def _zip(entries, *, content_types=True):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        if content_types:
            z.writestr("[Content_Types].xml", "<Types/>")
        for name, data in entries:
            z.writestr(name, data)
    return out.getvalue()


def test_upload_over_the_limit_is_refused_while_reading(space, upload, settings):
    settings.GED_MAX_UPLOAD_MB = 1
    with pytest.raises(ValidationError) as exc:
        upload(space.root, "gros.txt", b"a" * (1024 * 1024 + 1))
    assert "taille maximale" in exc.value.messages[0]
    _nothing_stored()


def test_http_upload_over_the_limit_gets_413_in_json(client, space, manager, settings):
    settings.GED_MAX_UPLOAD_MB = 1
    client.force_login(manager)
    response = client.post(
        f"/documents/dossier/{space.root.pk}/deposer/",
        {"files": Named(b"a" * (1024 * 1024 + 10), "gros.txt")},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    assert "taille maximale" in response.json()["error"]
    _nothing_stored()


def test_empty_file_is_refused(space, upload):
    with pytest.raises(ValidationError, match="vide"):
        upload(space.root, "vide.txt", b"")
    _nothing_stored()


def test_zip_bomb_inside_docx_is_refused(space, upload):
    bomb = _zip([("word/document.xml", b"0" * (20 * 1024 * 1024))])  # ratio ~1000
    with pytest.raises(ValidationError, match="archive anormale"):
        upload(space.root, "rapport.docx", bomb)
    _nothing_stored()


def test_docx_whose_declared_sizes_lie_is_refused(space, upload, settings):
    settings.GED_ZIP_MAX_UNCOMPRESSED_MB = 1
    data = bytearray(_zip([("word/document.xml", b"x" * (3 * 1024 * 1024))]))
    with pytest.raises(ValidationError):
        upload(space.root, "rapport.docx", bytes(data))
    _nothing_stored()


def test_too_many_entries_are_refused(space, upload, settings):
    settings.GED_ZIP_MAX_ENTRIES = 50
    data = _zip([(f"word/p{i}.xml", b"<a/>") for i in range(60)])
    with pytest.raises(ValidationError, match="archive anormale"):
        upload(space.root, "rapport.docx", data)


@pytest.mark.parametrize("entry", ["../../etc/passwd", "/etc/passwd", "word\\..\\x.xml"])
def test_zip_slip_entries_are_refused(space, upload, entry):
    with pytest.raises(ValidationError, match="chemins dangereux"):
        upload(space.root, "rapport.docx", _zip([(entry, b"x")]))


def test_html_saved_as_docx_or_png_is_refused(space, upload):
    for name in ("page.docx", "image.png", "scan.pdf"):
        with pytest.raises(ValidationError, match="ne correspond pas"):
            upload(space.root, name, b"<html><script>alert(1)</script></html>")
    with pytest.raises(ValidationError, match="ne sont pas acceptés"):
        upload(space.root, "page.html", b"<html></html>")
    _nothing_stored()


def test_real_docx_is_accepted(space, upload):
    doc, v = upload(space.root, "Compte rendu.docx", docx_bytes(["Réunion du conseil communautaire"]))
    assert v.mime_type.endswith("wordprocessingml.document")
    doc.refresh_from_db()
    assert "conseil communautaire" in doc.text_content


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../x.txt", "x.txt"),
        ("..\\x.txt", "x.txt"),
        ("/etc/passwd", "etc-passwd"),
        ("facture\u202efdp.exe", "facturefdp.exe"),
        ("CON", "_CON"),
        ("aux.txt", "_aux.txt"),
        ("nul.docx", "_nul.docx"),
        ("rapport. . .", "rapport"),
        ('a\r\nb".txt', 'a b".txt'),
        ("", "sans-nom"),
        ("...", "sans-nom"),
        ("\x00evil.txt", "evil.txt"),
        ("ﬁ\uff0e\uff0e\uff0fx", "fi..-x"),
    ],
)
def test_names_are_normalised(raw, expected):
    assert clean_name(raw) == expected
    assert clean_name(clean_name(raw)) == clean_name(raw)


def test_long_names_are_capped_keeping_the_extension():
    name = clean_name("é" * 5000 + ".docx")
    assert len(name.encode("utf-8")) <= 255 and name.endswith(".docx")


def test_hostile_name_uploaded_is_displayed_clean_and_stored_by_hash(space, upload):
    doc, v = upload(space.root, "../../../etc/cron.d/x\u202egnp.txt", b"contenu")
    assert "/" not in doc.title and "\u202e" not in doc.title
    assert storage.local_path(v.blob_id).is_relative_to(storage.root())
    assert v.blob_id in str(storage.local_path(v.blob_id))


def test_content_disposition_never_splits_headers():
    header = content_disposition('a"\r\nSet-Cookie: x=1;\u202e.txt')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="') and "filename*=UTF-8''" in header


def test_aborted_http_upload_leaves_nothing(space, manager):
    """A client that disconnects mid-body: the handler's upload_interrupted removes the temp file."""
    from ged.uploads import GedUploadHandler

    handler = GedUploadHandler()
    handler.new_file("files", "a.txt", "text/plain", 10)
    handler.receive_data_chunk(b"12345", 0)
    handler.upload_interrupted()
    _nothing_stored()
    assert not Document.objects.exists()
