"""The deliberation journey: a quorum visa step, then the DGS's signature step taken by a delegate « pour le
compte de » the DGS, ending with a PAdES signature made with the collectivité's certificate (a throwaway CA
made with `cryptography`) and validated by pyHanko; the signed PDF is a new version that does not stop the
circuit; the visa records the exact version hash."""

import datetime
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.utils import timezone

from ged.circuits.actions import delegation_create, step_approve
from ged.circuits.choices import CircuitStatus, Decision
from ged.circuits.models import StepAction
from ged.samples import pdf_bytes

pytestmark = pytest.mark.django_db


def _name(cn):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CCFI (test)"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _cert(subject, issuer, key, issuer_key, *, ca):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture
def test_ca(tmp_path, settings):
    """A root CA and the collectivité's signing certificate it issued, as PEM files the settings name."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _cert(_name("CA de test CCFI"), _name("CA de test CCFI"), ca_key, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _cert(
        _name("Communauté de communes de Flandre Intérieure"), ca_cert.subject, key, ca_key, ca=False
    )
    paths = {name: tmp_path / f"{name}.pem" for name in ("ca", "key", "cert")}
    paths["ca"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    settings.CIRCUITS_SIGNING_KEY = str(paths["key"])
    settings.CIRCUITS_SIGNING_CERT = str(paths["cert"])
    return paths


def _validate(data: bytes, ca_path):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data))
    assert len(reader.embedded_signatures) == 1
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca_path))])
    return validate_pdf_signature(reader.embedded_signatures[0], context)


@pytest.fixture
def pdf_doc(space, upload, grant, people):
    from ged.choices import Role

    for key in ("submitter", "dgs", "fin1", "fin2", "fin3", "deputy"):
        grant(space.root, Role.CONTRIBUTOR if key == "submitter" else Role.READER, user=people[key])
    document, _version = upload(
        space.root, "Délibération 2026-42.pdf", pdf_bytes(["Délibération 2026-42", "Budget primitif"])
    )
    return document


def test_deliberation_signed_by_a_delegate_with_pades(
    test_ca, pdf_doc, submit, people, django_capture_on_commit_callbacks
):
    from ged.storage import blob_open

    circuit = submit(document=pdf_doc)
    submitted_sha = circuit.version_sha256
    # Quorum 2 of 3 at the finances' visa.
    step_approve(circuit=circuit, actor=people["fin1"])
    step_approve(circuit=circuit, actor=people["fin3"])
    # The DGS is away: his deputy signs « pour le compte de » him.
    today = timezone.localdate()
    delegation_create(
        actor=people["dgs"],
        person=people["dgs"],
        deputy=people["deputy"],
        start=today,
        end=today + datetime.timedelta(days=7),
    )
    with django_capture_on_commit_callbacks(execute=True):
        signature = step_approve(circuit=circuit, actor=people["deputy"])
    assert signature.on_behalf_of == "Jérôme Vandenbroucke" and signature.seat == people["dgs"]
    assert signature.version_sha256 == submitted_sha  # the signature was given on the submitted version
    circuit.refresh_from_db()
    pdf_doc.refresh_from_db()
    # The signed PDF is version 2, added by the circuit itself: the circuit went on and ended.
    assert circuit.status == CircuitStatus.APPROVED
    assert pdf_doc.current_version.number == 2
    assert circuit.version_id == pdf_doc.current_version_id and circuit.version_sha256 != submitted_sha
    assert "PAdES" in pdf_doc.current_version.comment
    visas = StepAction.objects.filter(step__position=1, decision=Decision.APPROVE)
    assert {v.version_sha256 for v in visas} == {submitted_sha}
    fh = blob_open(pdf_doc.current_version.blob_id)
    try:
        signed = fh.read()
    finally:
        fh.close()
    status = _validate(signed, test_ca["ca"])
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.bottom_line


def test_a_signed_pdf_does_not_validate_against_another_ca(test_ca, tmp_path):
    from ged.circuits.signing import pades_sign

    signed = pades_sign(pdf_bytes(["Arrêté"]), reason="Test", name="Test")
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = _cert(_name("Autre CA"), _name("Autre CA"), other_key, other_key, ca=True)
    path = tmp_path / "other.pem"
    path.write_bytes(other.public_bytes(serialization.Encoding.PEM))
    status = _validate(signed, path)
    assert status.intact and not status.trusted


def test_a_corrupted_pdf_is_refused_in_french(test_ca):
    from ged.circuits.signing import pades_sign

    with pytest.raises(ValidationError, match="n'est pas un PDF lisible"):
        pades_sign(b"%PDF-1.4 pas vraiment un PDF", reason="Test", name="Test")


def test_without_a_certificate_the_signature_is_recorded_without_pades(pdf_doc, submit, people):
    circuit = submit(document=pdf_doc)
    for key in ("fin1", "fin2", "dgs"):
        step_approve(circuit=circuit, actor=people[key])
    circuit.refresh_from_db()
    pdf_doc.refresh_from_db()
    assert circuit.status == CircuitStatus.APPROVED and pdf_doc.current_version.number == 1


def test_visible_stamp_option_still_validates(test_ca, settings):
    from ged.circuits.signing import pades_sign

    settings.CIRCUITS_SIGNING_VISIBLE = True
    signed = pades_sign(pdf_bytes(["Arrêté du président"]), reason="Signature", name="Valérie Adjointe")
    status = _validate(signed, test_ca["ca"])
    assert status.bottom_line


def _pdf_text(data: bytes, tmp_path) -> str:
    import subprocess

    path = tmp_path / "bordereau.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return " ".join(text.split())


@pytest.fixture
def visa_after_signature(desks):
    """Finances' visa, the DGS's signature, then the finances' visa again on what was signed."""
    from ged.circuits.actions import template_create
    from ged.circuits.choices import StepKind

    return template_create(
        name="Délibération signée puis visée",
        document_type="Délibération",
        steps=[
            {"desk": desks["fin"], "kind": StepKind.VISA},
            {"desk": desks["dgs"], "kind": StepKind.SIGNATURE},
            {"desk": desks["fin"], "kind": StepKind.VISA},
        ],
    )


def test_a_visa_after_the_signature_acts_on_the_signed_version_and_the_bordereau_lists_both(
    test_ca, pdf_doc, submit, people, visa_after_signature, client, tmp_path
):
    """Later steps act on the signed version (issue 18's decision); the circuit keeps the submitted version
    and its hash, and the page, the API and the bordereau show both."""
    from ged.circuits.bordereau import bordereau_pdf

    circuit = submit(document=pdf_doc, tpl=visa_after_signature)
    submitted = pdf_doc.current_version
    first_visa = step_approve(circuit=circuit, actor=people["fin1"])
    signature = step_approve(circuit=circuit, actor=people["dgs"])
    circuit.refresh_from_db()
    pdf_doc.refresh_from_db()
    signed = pdf_doc.current_version
    assert signed.number == 2 and circuit.status == CircuitStatus.IN_PROGRESS
    later_visa = step_approve(circuit=circuit, actor=people["fin2"])
    circuit.refresh_from_db()
    assert circuit.status == CircuitStatus.APPROVED
    # Each decision records the exact version its actor saw.
    assert (first_visa.version, first_visa.version_sha256) == (submitted, submitted.blob_id)
    assert (signature.version, signature.version_sha256) == (submitted, submitted.blob_id)
    assert (later_visa.version, later_visa.version_sha256) == (signed, signed.blob_id)
    # The circuit keeps both.
    assert (circuit.submitted_version, circuit.submitted_sha256) == (submitted, submitted.blob_id)
    assert (circuit.version, circuit.version_sha256) == (signed, signed.blob_id)
    assert circuit.first_version == submitted and circuit.signed_version == signed

    text = _pdf_text(bordereau_pdf(circuit), tmp_path)
    squeezed = text.replace(" ", "")
    assert f"Versionsoumise:1·SHA-256{submitted.blob_id}" in squeezed
    assert f"Versionsignée:2·SHA-256{signed.blob_id}" in squeezed
    assert f"Version2·SHA-256{signed.blob_id}" in squeezed  # the later visa, on the signed version

    client.force_login(people["submitter"])
    html = client.get(f"/parapheur/circuit/{circuit.pk}/").content.decode()
    assert "Version soumise</dt><dd>1 · " in html and submitted.blob_id in html
    assert "Version signée</dt><dd>2 · " in html and signed.blob_id in html
    data = client.get(f"/api/v1/circuits/{circuit.pk}").json()
    assert data["submitted_version"] == {"id": submitted.pk, "number": 1, "sha256": submitted.blob_id}
    assert data["signed_version"] == {"id": signed.pk, "number": 2, "sha256": signed.blob_id}
    assert data["version"]["id"] == signed.pk


def test_without_a_signature_the_bordereau_prints_no_signed_version(
    pdf_doc, submit, people, visa_after_signature, tmp_path
):
    from ged.circuits.bordereau import bordereau_pdf

    circuit = submit(document=pdf_doc, tpl=visa_after_signature)
    for key in ("fin1", "dgs", "fin2"):
        step_approve(circuit=circuit, actor=people[key])
    circuit.refresh_from_db()
    assert circuit.status == CircuitStatus.APPROVED and circuit.signed_version is None
    text = _pdf_text(bordereau_pdf(circuit), tmp_path)
    assert "Version soumise : 1" in text and "Version signée" not in text


def test_the_migration_fills_the_submitted_version_of_rows_already_signed(
    test_ca, pdf_doc, submit, people, visa_after_signature
):
    """Rows from before migration 0003 (and from an older release's INSERT): the first action's version is
    what was submitted; a circuit without any action was submitted as its `version`."""
    import importlib

    from django.apps import apps

    from ged.circuits.models import Circuit

    fill = importlib.import_module("ged.circuits.migrations.0003_circuit_submitted_version").fill_submitted
    circuit = submit(document=pdf_doc, tpl=visa_after_signature)
    submitted = pdf_doc.current_version
    step_approve(circuit=circuit, actor=people["fin1"])
    step_approve(circuit=circuit, actor=people["dgs"])  # signed: `version` moved to version 2
    Circuit.objects.update(submitted_version=None, submitted_sha256="")
    circuit.refresh_from_db()
    assert circuit.first_version.number == 2  # what an old row showed: the signed version
    fill(apps, None)
    circuit.refresh_from_db()
    assert (circuit.submitted_version, circuit.submitted_sha256) == (submitted, submitted.blob_id)
    assert circuit.signed_version.number == 2
