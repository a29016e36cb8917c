"""Only the agent reads their payslips: superuser, HR (« Gestionnaire paie ») and the agent's manager get 404
on another agent's payslip through the pages and the API; no listing, search or notification shows it."""

import datetime

import pytest
from django.core import mail, signing
from django.utils import timezone

from ged.payslips.actions import LEAVER_SALT, leaver_link_create, leaver_token, send_leaver_mail
from ged.payslips.models import LeaverLink, Payslip
from intranet.audit.models import AccessEvent
from intranet.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(agents, deposit_rows):
    deposit_rows([(a.registration_number, a.get_full_name()) for a in agents[:3]])
    return {p.agent_id: p for p in Payslip.objects.all()}


@pytest.fixture
def outsiders(make_user, agents, hr):
    boss = make_user("chef")
    agents[0].manager = boss
    agents[0].save(update_fields=["manager"])
    return {"superuser": make_user("root", superuser=True), "hr": hr, "manager": boss, "colleague": agents[5]}


def test_owner_reads_lists_and_downloads(client, agents, delivered):
    owner, payslip = agents[0], delivered[agents[0].pk]
    client.force_login(owner)
    page = client.get("/mon-coffre/")
    assert page.status_code == 200 and f"/mon-coffre/bulletin/{payslip.pk}/" in page.content.decode()
    response = client.get(f"/mon-coffre/bulletin/{payslip.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    api = client.get("/api/v1/me/payslips").json()
    assert [row["id"] for row in api] == [payslip.pk]
    assert client.get(f"/api/v1/me/payslips/{payslip.pk}/download").status_code == 200
    log = client.get("/mon-coffre/journal/").content.decode()
    assert "Dépôt" in log and "Téléchargement" in log
    assert AccessEvent.objects.filter(object_id=str(owner.pk), action="payslips.download").count() == 2


@pytest.mark.parametrize("who", ["superuser", "hr", "manager", "colleague"])
def test_nobody_else_reads_a_payslip(client, agents, delivered, outsiders, who):
    payslip = delivered[agents[0].pk]
    client.force_login(outsiders[who])
    assert client.get(f"/mon-coffre/bulletin/{payslip.pk}/").status_code == 404
    assert client.get(f"/api/v1/me/payslips/{payslip.pk}/download").status_code == 404
    mine = client.get("/api/v1/me/payslips").json()
    assert payslip.pk not in [row["id"] for row in mine]
    assert f"/mon-coffre/bulletin/{payslip.pk}/" not in client.get("/mon-coffre/").content.decode()
    search = client.get("/recherche/", {"q": "bulletin"}).content.decode()
    assert "/mon-coffre/bulletin/" not in search
    assert not Notification.objects.filter(recipient=outsiders[who], verb="payslips.deposit").exists()
    if who == "hr":
        batch = client.get(f"/mon-coffre/paie/depot/{payslip.batch_id}/").content.decode()
        assert "/mon-coffre/bulletin/" not in batch and "Bulletins remis : 3" in batch
    else:  # the HR pages are HR's only, superusers included
        assert client.get("/mon-coffre/paie/").status_code == 404
        assert client.get(f"/mon-coffre/paie/depot/{payslip.batch_id}/").status_code == 404


def test_no_payslip_in_the_django_admin(client, outsiders):
    client.force_login(outsiders["superuser"])
    assert client.get("/django-admin/ged_payslips/payslip/").status_code in {302, 404}


def test_hr_deposits_through_the_page(client, agents, hr):
    from ged.payslips.samples import payroll_pdf

    from .conftest import PERIOD

    pdf = payroll_pdf([(a.registration_number, "x") for a in agents[:2]] + [("", "vide")], PERIOD)
    client.force_login(hr)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/mon-coffre/paie/",
        {"period": "2026-11", "files": [SimpleUploadedFile("paie.pdf", pdf, "application/pdf")]},
    )
    assert response.status_code == 302
    assert Payslip.objects.count() == 2
    bad = client.post(
        "/mon-coffre/paie/",
        {"period": "2026-11", "files": [SimpleUploadedFile("b.pdf", b"%PDF-1.4 broken", "application/pdf")]},
    )
    assert bad.status_code == 400 and "rien n&#x27;a été enregistré" in bad.content.decode()
    assert client.post("/mon-coffre/paie/", {"period": "novembre"}).status_code == 400
    assert Payslip.objects.count() == 2


def test_leaver_link_single_use_and_expiry(client, agents, delivered, hr, django_capture_on_commit_callbacks):
    agent = agents[0]
    agent.is_active = False  # a leaver: links are for them only (test_leaver_links.py)
    agent.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        link = leaver_link_create(agent=agent, email="perso@example.org", by=hr)
    send_leaver_mail({"link": link.pk})
    assert any("perso@example.org" in m.to for m in mail.outbox)
    url = f"/mon-coffre/depart/{leaver_token(link)}/"
    client.logout()
    assert client.get(url).status_code == 200
    first = client.post(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/zip"
    b"".join(first.streaming_content)
    second = client.post(url)
    assert second.status_code == 410 and "déjà été utilisé" in second.content.decode()
    assert client.get(url).status_code == 410
    assert AccessEvent.objects.filter(action="payslips.leaver_download", object_id=str(agent.pk)).count() == 1
    # Expired
    old = LeaverLink.objects.create(
        agent=agent, email="perso@example.org", expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    expired = client.get(f"/mon-coffre/depart/{leaver_token(old)}/")
    assert expired.status_code == 410 and "expiré" in expired.content.decode()
    assert client.post(f"/mon-coffre/depart/{leaver_token(old)}/").status_code == 410
    forged = signing.dumps(link.pk, salt="autre")
    assert client.get(f"/mon-coffre/depart/{forged}/").status_code == 410
    assert LEAVER_SALT


def test_panel_shows_until_the_safe_is_opened(client, agents, delivered):
    from ged.payslips.hooks import dashboard_context

    class Req:
        user = agents[0]

    assert dashboard_context(Req())["count"] == 1
    client.force_login(agents[0])
    client.get("/mon-coffre/")
    assert dashboard_context(Req()) is None


def test_home_panel_fragment_renders(agents, delivered):
    """« Nouveau bulletin »: the panel's context and template, as the home page renders them."""
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from ged.payslips.hooks import dashboard_context

    request = RequestFactory().get("/")
    request.user = agents[0]
    html = render_to_string(
        "payslips/_dashboard_panel.html",
        {"ctx": dashboard_context(request), "panel_id": "p"},
        request=request,
    )
    assert "Nouveau bulletin" in html and "novembre 2026" in html and "/mon-coffre/" in html
