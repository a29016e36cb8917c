"""The SEDA 2.2 transfer package: a streamed zip whose manifest validates against the vendored XSD and states
each file's stored SHA-256, and which stops rather than ship a file that no longer matches it."""

import hashlib
import io
import zipfile
from datetime import date
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from ged.retention.seda import TransferIntegrityError, document_items, stream_transfer, validate_manifest
from ged.retention.seda.manifest import NS

from .helpers import blob_file, flip_byte

Q = {"s": NS}


def _package(items, **kw) -> bytes:
    return b"".join(
        stream_transfer(
            items,
            message_id=kw.get("message_id", "T-2026-001"),
            comment="Versement test",
            archival_agency="AD59",
            transferring_agency="200040947",
        )
    )


def _rules(docs):
    """The first document has a rule to destroy, the second is held, the third has no rule."""
    ruled, held = docs[0].pk, docs[1].pk

    def rule_for(d):
        return ("DELIB-10", date(2024, 3, 1), "Destroy") if d.pk == ruled else None

    def hold_for(d):
        return ("Contentieux au tribunal administratif", date(2025, 6, 2)) if d.pk == held else None

    return rule_for, hold_for


@pytest.mark.django_db
def test_package_validates_and_its_digests_match_the_stored_blobs(documents):
    """The manifest is valid SEDA 2.2; every file in the zip hashes to the digest the manifest states, which
    is the stored blob's SHA-256, and has the stated size."""
    rule_for, hold_for = _rules(documents)
    items = document_items(documents, rule_for, hold_for=hold_for)
    data = _package(items)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
    manifest = archive.read("manifest.xml")
    validate_manifest(manifest)
    xmlschema.XMLSchema("ged/retention/seda/xsd/seda-2.2-main.xsd").validate(io.BytesIO(manifest))

    root = ET.fromstring(manifest)
    objects = root.findall("s:DataObjectPackage/s:BinaryDataObject", Q)
    assert len(objects) == 3
    stored = {d.current_version.blob.sha256: d.current_version.blob.size for d in documents}
    for bdo in objects:
        uri = bdo.find("s:Uri", Q).text
        digest = bdo.find("s:MessageDigest", Q)
        assert digest.get("algorithm") == "SHA-256"
        content = archive.read(uri)
        assert hashlib.sha256(content).hexdigest() == digest.text
        assert digest.text in stored
        assert int(bdo.find("s:Size", Q).text) == len(content) == stored[digest.text]
    assert set(archive.namelist()) == {"manifest.xml"} | {b.find("s:Uri", Q).text for b in objects}
    filenames = {b.find("s:FileInfo/s:Filename", Q).text for b in objects}
    assert "annexe & notes <v2>.txt" in filenames  # the agent's name, escaped, not used as a zip path


@pytest.mark.django_db
def test_manifest_carries_folders_rules_and_hold(documents):
    """Folders become nested archive units; the ruled document has its AppraisalRule, the held one a
    HoldRule."""
    rule_for, hold_for = _rules(documents)
    manifest = zipfile.ZipFile(
        io.BytesIO(_package(document_items(documents, rule_for, hold_for=hold_for)))
    ).read("manifest.xml")
    root = ET.fromstring(manifest)
    top = root.findall("s:DataObjectPackage/s:DescriptiveMetadata/s:ArchiveUnit", Q)
    assert [u.find("s:Content/s:Title", Q).text for u in top] == ["Ressources humaines"]
    units = {u.find("s:Content/s:Title", Q).text: u for u in root.iter(f"{{{NS}}}ArchiveUnit")}
    year = units["2024"]
    assert units["Délibérations"].find("s:ArchiveUnit", Q) is year
    ruled = units[documents[0].title]
    assert ruled in list(year)
    appraisal = ruled.find("s:Management/s:AppraisalRule", Q)
    assert appraisal.find("s:Rule", Q).text == "DELIB-10"
    assert appraisal.find("s:StartDate", Q).text == "2024-03-01"
    assert appraisal.find("s:FinalAction", Q).text == "Destroy"
    assert ruled.find("s:Management/s:HoldRule", Q) is None
    held = units[documents[1].title].find("s:Management/s:HoldRule", Q)
    assert held.find("s:HoldReason", Q).text == "Contentieux au tribunal administratif"
    assert held.find("s:StartDate", Q).text == "2025-06-02"
    assert units[documents[2].title].find("s:Management", Q) is None
    assert root.find("s:ArchivalAgency/s:Identifier", Q).text == "AD59"
    assert root.find("s:TransferringAgency/s:Identifier", Q).text == "200040947"


@pytest.mark.django_db
def test_corrupted_blob_aborts_the_stream_before_the_zip_is_complete(documents):
    """A blob whose bytes changed on disk stops the export with a clear error naming the document; what was
    streamed so far has no central directory, so it is not a package anyone can open."""
    items = document_items(documents)
    flip_byte(items[2].sha256, offset=2_000_000)
    received = bytearray()
    with pytest.raises(TransferIntegrityError) as caught:
        for chunk in stream_transfer(items, message_id="T", archival_agency="A", transferring_agency="B"):
            received += chunk
    assert caught.value.item.document_id == documents[2].pk
    assert "SHA-256" in str(caught.value) and "Procès-verbal.txt" in str(caught.value)
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(bytes(received)))
    # The same documents, the blob restored, export fine: the refusal was for the altered byte.
    flip_byte(items[2].sha256, offset=2_000_000)
    zipfile.ZipFile(io.BytesIO(_package(items))).testzip()


@pytest.mark.django_db
def test_missing_blob_aborts_the_stream(documents):
    items = document_items(documents)
    blob_file(items[0].sha256).unlink()
    with pytest.raises(TransferIntegrityError, match="introuvable"):
        _package(items)


@pytest.mark.django_db
def test_document_items_costs_two_queries_whatever_the_number(documents, upload, django_assert_num_queries):
    """Documents with version and blob, then every ancestor folder: 2 queries for 3 documents and for 13."""
    with django_assert_num_queries(2):
        assert len(document_items(documents)) == 3
    folder = documents[0].folder
    more = documents + [upload(folder, name=f"piece-{i}.txt", data=b"x" * (i + 1))[0] for i in range(10)]
    with django_assert_num_queries(2):
        items = document_items([d.pk for d in more])
    assert [i.document_id for i in items] == [d.pk for d in more]
    assert items[3].folder_path == ["Ressources humaines", "Délibérations", "2024"]


def test_invalid_manifest_is_refused():
    """validate_manifest really checks: an ArchiveTransfer without its agencies is refused."""
    bad = (
        f'<ArchiveTransfer xmlns="{NS}"><Date>2026-01-01T00:00:00</Date>'
        "<MessageIdentifier>x</MessageIdentifier><CodeListVersions/></ArchiveTransfer>"
    ).encode()
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        validate_manifest(bad)
