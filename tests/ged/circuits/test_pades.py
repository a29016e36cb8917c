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
