"""`manage.py seda_export`: a folder or a list of documents to a validated SEDA zip; exit status 1 for bad
arguments, 2 (and no file left) for a stored file that no longer matches its SHA-256."""

import hashlib
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from ged.retention.seda import validate_manifest
from intranet.audit.models import AccessEvent

from .helpers import flip_byte


@pytest.fixture
def out_dir(tmp_path):
    """Where the zip goes (tmp_path itself holds the test's blob store)."""
    path = tmp_path / "sortie"
    path.mkdir()
    return path


def _export(out_dir, *args, name="transfert.zip"):
    target = out_dir / name
    out = io.StringIO()
    call_command("seda_export", *args, "--output", str(target), stdout=out)
    return target, out.getvalue()


@pytest.mark.django_db
def test_folder_export_holds_its_subtree_only(documents, out_dir):
    """--folder « Délibérations » exports its two documents (in « 2024 »), not the one at the root."""
    folder = documents[0].folder.get_parent()
    target, out = _export(out_dir, "--folder", str(folder.pk), "--archival-agency", "AD59")
    assert "2 document(s) exporté(s)" in out
    with zipfile.ZipFile(target) as archive:
        validate_manifest(archive.read("manifest.xml"))
        contents = {hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()[1:]}
    assert contents == {d.current_version.blob.sha256 for d in documents[:2]}
    event = AccessEvent.objects.get(action="ged.seda_export", result="success")
    assert event.extra["documents"] == [d.pk for d in documents[:2]]
    assert event.extra["package_sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()


@pytest.mark.django_db
def test_documents_export_in_the_given_order(documents, out_dir):
    ids = ",".join(str(d.pk) for d in reversed(documents))
    target, _out = _export(out_dir, "--documents", ids)
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        first = hashlib.sha256(archive.read(names[1])).hexdigest()
    assert len(names) == 4 and first == documents[-1].current_version.blob.sha256


@pytest.mark.django_db
def test_altered_blob_stops_the_export_with_status_2_and_leaves_nothing(documents, out_dir):
    flip_byte(documents[1].current_version.blob.sha256)
    with pytest.raises(CommandError) as caught:
        _export(out_dir, "--documents", ",".join(str(d.pk) for d in documents))
    assert caught.value.returncode == 2
    assert "SHA-256" in str(caught.value)
    assert list(out_dir.iterdir()) == []
    failure = AccessEvent.objects.get(action="ged.seda_export", result="failure")
    assert failure.object_id == str(documents[1].pk)
    # Without the altered document the same export goes through.
    target, _out = _export(out_dir, "--documents", f"{documents[0].pk},{documents[2].pk}")
    assert target.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--documents", "abc"],
        ["--documents", "999999"],
        ["--folder", "999999"],
        ["--documents", "99999999999999999999"],
    ],
)
@pytest.mark.django_db
def test_bad_arguments_are_refused_with_status_1(documents, out_dir, args):
    with pytest.raises(CommandError) as caught:
        _export(out_dir, *args)
    assert caught.value.returncode == 1
    assert list(out_dir.iterdir()) == []


@pytest.mark.django_db
def test_existing_output_is_never_overwritten(documents, out_dir):
    (out_dir / "transfert.zip").write_bytes(b"avant")
    with pytest.raises(CommandError, match="rien n'est écrasé"):
        _export(out_dir, "--documents", str(documents[0].pk))
    assert (out_dir / "transfert.zip").read_bytes() == b"avant"
