"""The demo's deliberations: real PDFs (fpdf2) in « Vie intercommunale / Délibérations », the council's
circuit on one of them waiting for the président's signature, which the vice-présidente gives by delegation;
in development without a configured certificate, the demo's self-signed one (var/demo-signature/) makes it
a PAdES signature pyHanko validates. The seeder is idempotent; the demo certificate is made only with DEBUG
on and is never used when a certificate is configured."""

import io
import stat

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ged.circuits import signing
from ged.circuits.actions import step_approve
from ged.circuits.choices import CircuitStatus, StepKind, StepStatus
from ged.circuits.demo import seed_circuits
from ged.circuits.models import Circuit
from ged.demo import seed_ged
from ged.models import Document
from ged.storage import blob_open

pytestmark = pytest.mark.django_db

AGENTS = [
    ("jerome.vandenbroucke", "Jérôme", "Vandenbroucke"),
    ("olivier.vanhove", "Olivier", "Vanhove"),
    ("sandrine.caron", "Sandrine", "Caron"),
    ("francois.declercq", "François", "Declercq"),
]


@pytest.fixture
def dev(settings, tmp_path):
    """`make run`'s situation: DEBUG on, no signing certificate configured, var/ in a temporary folder."""
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    settings.CIRCUITS_SIGNING_KEY = settings.CIRCUITS_SIGNING_CERT = ""
    return tmp_path


@pytest.fixture
def agents(make_user):
    return {u: make_user(u, first_name=first, last_name=last) for u, first, last in AGENTS}


def _read(version) -> bytes:
    fh = blob_open(version.blob_id)
    try:
        return fh.read()
    finally:
        fh.close()


def _validate(data: bytes, trust_root):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data))
    assert len(reader.embedded_signatures) == 1
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(trust_root))])
    return validate_pdf_signature(reader.embedded_signatures[0], context)


def test_the_vice_president_signs_the_demo_deliberation_in_pades(
    dev, agents, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    seed_ged(stdout=out, agents=agents)
    with django_capture_on_commit_callbacks(execute=True):
        seed_circuits(stdout=out, agents=agents)
    key, cert = signing.demo_paths()
    assert key.is_file() and cert.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert signing.enabled() and "certificat auto-signé" in out.getvalue()

    deliberations = Document.objects.filter(space__slug="vie-intercommunale", folder__name="Délibérations")
    assert sorted(d.title for d in deliberations) == [
        "Délibération — Budget primitif.pdf",
        "Projet de délibération — Tarifs de la piscine intercommunale.pdf",
    ]
    for document in deliberations:
        assert document.current_version.mime_type == "application/pdf"
        assert _read(document.current_version).startswith(b"%PDF-")
    first = Circuit.objects.get(template__name="Délibération")
    assert first.document.title.startswith("Projet de délibération")
    council = Circuit.objects.get(template__name="Délibération du conseil")
    assert council.document.title == "Délibération — Budget primitif.pdf"
    active = council.steps.get(status=StepStatus.ACTIVE)
    assert active.kind == StepKind.SIGNATURE and active.desk.name == "Président"

    vice = get_user_model().objects.get(username="martine.dewaele")
    with django_capture_on_commit_callbacks(execute=True):
        signature = step_approve(circuit=council, actor=vice)
    assert signature.on_behalf_of  # « pour le compte du » bureau « Président »
    council.refresh_from_db()
    assert council.status == CircuitStatus.APPROVED
    assert council.first_version.number == 1 and council.signed_version.number == 2
    status = _validate(_read(council.signed_version), cert)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()

    # A second seed writes nothing, and keeps the certificate.
    before = cert.read_bytes()
    with CaptureQueriesContext(connection) as ctx:
        seed_circuits(stdout=io.StringIO(), agents=agents)
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert cert.read_bytes() == before


def test_a_configured_certificate_is_never_replaced_by_the_demo_one(dev, settings):
    settings.CIRCUITS_SIGNING_KEY = str(dev / "real-key.pem")
    assert signing.demo_certificate_ensure() is None
    assert not (dev / signing.DEMO_DIR).exists()
    settings.CIRCUITS_SIGNING_KEY = ""
    assert signing.demo_certificate_ensure() is not None  # the same run without a setting makes it
    settings.CIRCUITS_SIGNING_KEY = str(dev / "real-key.pem")
    settings.CIRCUITS_SIGNING_CERT = str(dev / "real-cert.pem")
    assert signing._configured() == (str(dev / "real-key.pem"), str(dev / "real-cert.pem"))


def test_without_debug_there_is_no_demo_certificate(dev, settings):
    assert signing.demo_certificate_ensure() is not None
    settings.DEBUG = False  # production: files left in var/ are ignored, and none is made
    assert not signing.enabled()
    assert signing.demo_certificate_ensure() is None
