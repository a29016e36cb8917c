"""The archivist's SEDA export on /archives/versements/ carries what `manage.py seda_export` carries: each
document's rule and, for a held one, its HoldRule; its manifest validates against the SEDA 2.2 schema and
states each file's SHA-256. A manifest that does not conform is refused before any byte of zip leaves: a
French error page, not a broken package."""

import datetime
import hashlib
import io
import re
import zipfile

import pytest
from django.urls import reverse

from ged.retention.actions import hold_place, record_set
from ged.retention.seda import validate_manifest
from intranet.audit.models import AccessEvent

NS = "{fr:gouv:culture:archivesdefrance:seda:v2.2}"


@pytest.fixture
def to_keep(space, upload, rules, people):
    """Two deliberations whose DUA passed (rule DELIB, kept), the second one under legal hold."""
    docs = []
    for n in (1, 2):
        document, _v = upload(space.root, f"Délibération 200{n}.pdf", b"%PDF-1.4 delib " + bytes([48 + n]))
        record_set(
            document=document,
            rule=rules["DELIB"],
            event_date=datetime.date(2000 + n, 3, 1),
            actor=people["archivist"],
        )
        docs.append(document)
    hold_place(
        document=docs[1],
        reason="Recours devant le tribunal administratif",
        owner=people["archivist"],
        actor=people["archivist"],
        start_date=datetime.date(2026, 1, 15),
    )
    return docs


def _export(client, people):
    client.force_login(people["archivist"])
    response = client.get(reverse("retention:transfer_export"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_web_export_carries_the_hold_and_validates(client, people, to_keep):
    from xml.etree import ElementTree

    archive = _export(client, people)
    manifest = archive.read("manifest.xml")
    validate_manifest(manifest)
    root = ElementTree.fromstring(manifest)
    units = {
        unit.findtext(f"{NS}Content/{NS}OriginatingSystemId"): unit
        for unit in root.iter(f"{NS}ArchiveUnit")
        if unit.find(f"{NS}Content/{NS}OriginatingSystemId") is not None
    }
    free, held = (units[f"ged-document-{d.pk}"] for d in to_keep)
    assert free.find(f"{NS}Management/{NS}HoldRule") is None
    hold = held.find(f"{NS}Management/{NS}HoldRule")
    assert hold is not None
    assert hold.findtext(f"{NS}StartDate") == "2026-01-15"
    assert hold.findtext(f"{NS}HoldReason") == "Recours devant le tribunal administratif"
    for unit in (free, held):
        assert unit.findtext(f"{NS}Management/{NS}AppraisalRule/{NS}Rule") == "DELIB"
        assert unit.findtext(f"{NS}Management/{NS}AppraisalRule/{NS}FinalAction") == "Keep"
    # Every file's digest, as the manifest states it.
    digests = {
        obj.findtext(f"{NS}Attachment") or obj.findtext(f"{NS}Uri"): obj.findtext(f"{NS}MessageDigest")
        for obj in root.iter(f"{NS}BinaryDataObject")
    }
    assert len(digests) == 2
    for name, sha256 in digests.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == sha256
    assert AccessEvent.objects.filter(action="retention.transfer.export", result="success").count() == 1


def test_a_manifest_that_does_not_validate_is_a_french_error_page(client, people, to_keep, monkeypatch):
    from ged.retention.seda import stream

    real = stream.manifest_bytes

    def without_message_identifier(*args, **kwargs):
        return re.sub(rb"<MessageIdentifier>[^<]*</MessageIdentifier>", b"", real(*args, **kwargs))

    monkeypatch.setattr(stream, "manifest_bytes", without_message_identifier)
    client.force_login(people["archivist"])
    response = client.get(reverse("retention:transfer_export"))
    assert response.status_code == 409 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Versement impossible" in html and "n'est pas conforme au schéma SEDA 2.2" in html
    assert AccessEvent.objects.filter(action="retention.transfer.export", result="failure").count() == 1
    # The same export with a conforming manifest goes through.
    monkeypatch.setattr(stream, "manifest_bytes", real)
    assert client.get(reverse("retention:transfer_export")).status_code == 200


def test_without_documents_to_keep_the_page_says_so(client, people, rules):
    client.force_login(people["archivist"])
    response = client.get(reverse("retention:transfer_export"), follow=True)
    assert "Aucun document à verser" in response.content.decode()
