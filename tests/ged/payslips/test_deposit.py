"""Deposits: a 40-page payroll reaches exactly its 40 agents; unknown, missing, shared and duplicated
registration numbers go to quarantine; a corrupted PDF is refused with nothing stored."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from ged import storage
from ged.payslips.actions import (
    deposit,
    matricule_pattern,
    numbers_in,
    pdftotext_pages,
    quarantine_assign,
    quarantine_discard,
)
from ged.payslips.models import Batch, Payslip, QuarantinePage
from ged.payslips.samples import payroll_pdf
from intranet.audit.models import AccessEvent
from intranet.notifications.models import Notification

from .conftest import PERIOD, staged_pdf

pytestmark = pytest.mark.django_db


def rows_for(users):
    return [(u.registration_number, u.get_full_name()) for u in users]


def test_forty_pages_reach_exactly_their_forty_agents_one_unknown_in_quarantine(agents, deposit_rows):
    batch = deposit_rows([*rows_for(agents), ("999999", "Inconnu")])
    assert (batch.pages, batch.delivered, batch.quarantined) == (41, 40, 1)
    payslips = list(Payslip.objects.order_by("agent_id"))
    assert sorted(p.agent_id for p in payslips) == sorted(a.pk for a in agents)
    for payslip in payslips:
        with storage.blob_open(payslip.sha256) as fh:
            data = fh.read()
        text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
        assert payslip.agent.registration_number in text  # each page is the agent's own
        assert len(PdfReader(io.BytesIO(data)).pages) == 1
    held = QuarantinePage.objects.get()
    assert (held.reason, held.found) == ("unknown", ["999999"])
    # Each agent is notified once, with the month only, and the deposit is in their safe's log.
    notes = Notification.objects.filter(verb="payslips.deposit")
    assert sorted(n.recipient_id for n in notes) == sorted(a.pk for a in agents)
    assert {n.kind for n in notes} == {"payslips"}
    assert {n.text for n in notes} == {
        "Votre bulletin de paie de novembre 2026 est disponible dans votre coffre."
    }
    assert AccessEvent.objects.filter(action="payslips.deposit").count() == 40


def test_duplicated_and_shared_numbers_go_to_quarantine(agents, deposit_rows):
    a, b, c = agents[:3]
    rows = [
        (a.registration_number, "A"),
        (f"{b.registration_number} {c.registration_number}", "B et C"),  # two known numbers on one page
        (a.registration_number, "A bis"),  # the same number again, not next to the first: both held
        ("", "sans matricule"),
    ]
    batch = deposit_rows(rows)
    assert (batch.delivered, batch.quarantined) == (0, 4)
    assert sorted(QuarantinePage.objects.values_list("reason", flat=True)) == [
        "duplicate",
        "duplicate",
        "none",
        "several",
    ]
    assert not Payslip.objects.exists()
    assert not Notification.objects.filter(verb="payslips.deposit").exists()


def test_consecutive_pages_with_one_number_are_one_payslip(agents, deposit_rows):
    """A two-page payslip (both pages carry the agent's number) reaches its agent as one two-page PDF."""
    a, b = agents[:2]
    rows = [
        (a.registration_number, "A page 1"),
        (a.registration_number, "A page 2"),
        (b.registration_number, "B"),
    ]
    batch = deposit_rows(rows)
    assert (batch.pages, batch.delivered, batch.quarantined) == (3, 2, 0)
    mine = Payslip.objects.get(agent=a)
    with storage.blob_open(mine.sha256) as fh:
        pages = PdfReader(io.BytesIO(fh.read())).pages
    assert [f"A page {n}" in pages[n - 1].extract_text() for n in (1, 2)] == [True, True]
    with storage.blob_open(Payslip.objects.get(agent=b).sha256) as fh:
        assert len(PdfReader(io.BytesIO(fh.read())).pages) == 1


def test_number_in_file_name_when_the_text_has_none(agents, hr):
    agent = agents[4]
    data = staged_pdf(
        __import__("ged.payslips.samples", fromlist=["payroll_pdf"]).payroll_pdf([("", "x")], PERIOD),
        f"bulletin_{agent.registration_number}.pdf",
    )
    batch = deposit(period=PERIOD, files=[data], by=hr)
    assert batch.delivered == 1
    assert Payslip.objects.get().agent == agent


def test_corrupted_pdf_is_refused_and_nothing_is_stored(agents, hr):
    good = staged_pdf(
        __import__("ged.payslips.samples", fromlist=["payroll_pdf"]).payroll_pdf(
            rows_for(agents[:3]), PERIOD
        ),
        "a.pdf",
    )
    broken = staged_pdf(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ngarbage\n%%EOF\n", "b.pdf"
    )
    before = set(storage.blob_list())
    with pytest.raises(ValidationError) as exc:
        deposit(period=PERIOD, files=[good, broken], by=hr)
    assert "n'est pas un PDF lisible" in exc.value.messages[0]
    assert not Batch.objects.exists() and not Payslip.objects.exists() and not QuarantinePage.objects.exists()
    assert set(storage.blob_list()) == before
    assert not list(storage.tmp_dir().iterdir())  # no split page left behind


def test_quarantine_assign_and_discard(agents, deposit_rows, hr):
    batch = deposit_rows([("999999", "Inconnu"), ("", "vide")])
    first, second = QuarantinePage.objects.order_by("page_number")
    payslip = quarantine_assign(page=first, agent=agents[0], by=hr)
    assert payslip.agent == agents[0] and payslip.period == PERIOD
    quarantine_discard(page=second, by=hr)
    batch.refresh_from_db()
    assert (batch.delivered, batch.quarantined) == (1, 0)
    with pytest.raises(ValidationError):
        quarantine_discard(page=first, by=hr)


def test_matricule_regex_setting(settings):
    settings.PAYSLIPS_MATRICULE_REGEX = r"Matricule : ([A-Z]\d{4})"
    assert numbers_in("Net 123456 Matricule : B1234 et Matricule : B1234") == ["B1234"]


def test_cleanup_keeps_payslip_blobs(agents, deposit_rows):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from ged.actions import blobs_sweep

    deposit_rows([*rows_for(agents[:2]), ("999999", "Inconnu")])
    assert blobs_sweep(older_than=timezone.now() + timedelta(days=1)) == []
    call_command("ged_cleanup", "--ttl-hours", "0", stdout=io.StringIO(), stderr=io.StringIO())
    for payslip in Payslip.objects.all():
        assert storage.blob_exists(payslip.sha256)
    assert storage.blob_exists(QuarantinePage.objects.get().blob_id)


def test_zip_holds_every_payslip(agents, deposit_rows, client):
    deposit_rows(rows_for(agents[:2]))
    deposit_rows(rows_for(agents[:2]), period=PERIOD.replace(month=10), seed=2)
    client.force_login(agents[0])
    response = client.get("/mon-coffre/tout.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == ["2026/bulletin-2026-10.pdf", "2026/bulletin-2026-11.pdf"]
    assert archive.testzip() is None
    mine = {p.sha256 for p in Payslip.objects.filter(agent=agents[0])}
    import hashlib

    assert {hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()} == mine


def test_demo_seeder_gives_each_agent_their_payslip(make_user):
    from ged.payslips.demo import seed_payslips

    people = {name: make_user(name) for name in ("marine.petit", "helene.lefebvre", "admin.si")}
    out = io.StringIO()
    seed_payslips(stdout=out, agents=people)
    assert "3 remis, 1 en quarantaine" in out.getvalue()
    for user in people.values():
        user.refresh_from_db()
        assert user.registration_number and Payslip.objects.filter(agent=user).count() == 1
    assert people["marine.petit"].groups.filter(name="Gestionnaire paie").exists()
    seed_payslips(stdout=out, agents=people)  # a second run writes nothing
    assert Payslip.objects.count() == 3


def _numbers_by_page(path, pattern):
    return [numbers_in(page.extract_text() or "", pattern) for page in PdfReader(path).pages]


def test_pdftotext_reads_what_pypdf_reads_and_its_absence_falls_back(agents, deposit_rows, monkeypatch):
    """The deposit reads the pages' text with one `pdftotext` run (poppler, installed by system-deps); each
    page's numbers are those pypdf reads. Without the tool, or when it does not give one text per page, each
    page is read with pypdf and the deposit is the same."""
    pattern = matricule_pattern()
    rows = [*rows_for(agents[:6]), ("999999", "Inconnu"), ("", "sans matricule")]
    staged = staged_pdf(payroll_pdf(rows, PERIOD, seed=3), "paie.pdf")
    try:
        texts = pdftotext_pages(staged.path, len(rows))
        assert texts is not None and len(texts) == len(rows)
        assert [numbers_in(t, pattern) for t in texts] == _numbers_by_page(staged.path, pattern)
        assert pdftotext_pages(staged.path, len(rows) + 1) is None  # not one text per page: pypdf instead
    finally:
        staged.discard()
    monkeypatch.setattr("ged.payslips.actions.shutil.which", lambda _name: None)
    batch = deposit_rows(rows, seed=3)
    assert (batch.pages, batch.delivered, batch.quarantined) == (8, 6, 2)
    assert sorted(Payslip.objects.values_list("agent_id", flat=True)) == sorted(a.pk for a in agents[:6])
