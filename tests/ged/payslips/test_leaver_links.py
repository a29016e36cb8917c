"""A leaver link is for a leaver only: `leaver_link_create` refuses an agent whose account is still active
(whoever calls it: HR's page or any other path), with nothing created and no mail; the refusal is written in
the agent's safe log and the agent is told in-app. A link sent before a reactivation no longer opens."""

import io
import re
import zipfile

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from ged.payslips.actions import (
    LEAVER_MAIL_KIND,
    LEAVER_REFUSED_VERB,
    leaver_link_create,
    leaver_token,
    send_leaver_mail,
)
from ged.payslips.models import LeaverLink, Payslip
from intranet.audit.models import AccessEvent
from intranet.notifications.models import Notification
from intranet.outbox.models import OutboxItem
from intranet.outbox.registry import get_kind
from intranet.outbox.worker import run_due
from intranet.people.leavers import user_deactivate

pytestmark = pytest.mark.django_db

TOKEN_URL = re.compile(r"/mon-coffre/depart/([^/\s]+)/")


@pytest.fixture
def delivered(agents, deposit_rows):
    deposit_rows([(a.registration_number, a.get_full_name()) for a in agents[:3]])
    return {p.agent_id: p for p in Payslip.objects.all()}


def leaver_mails():
    return [m for m in mail.outbox if "perso@example.org" in m.to]


def run_outbox():
    run_due(queue=get_kind(LEAVER_MAIL_KIND).queue, limit=50)


def assert_nothing_sent(agent):
    run_outbox()
    assert not LeaverLink.objects.filter(agent=agent).exists()
    assert not OutboxItem.objects.filter(kind=LEAVER_MAIL_KIND).exists()
    assert leaver_mails() == []
    assert not AccessEvent.objects.filter(action="payslips.leaver_link").exists()


def assert_told(agent, hr):
    """The refused attempt is in the agent's safe log (as refused) and in their notifications (in-app)."""
    event = AccessEvent.objects.get(action="payslips.leaver_link_refused")
    assert (event.object_type, event.object_id, event.result) == (
        "ged_payslips.safe",
        str(agent.pk),
        "denied",
    )
    assert event.actor == hr and "perso" not in str(event.extra)  # never the address HR typed
    note = Notification.objects.get(verb=LEAVER_REFUSED_VERB)
    assert (note.recipient, note.kind, note.url, note.mail) == (
        agent,
        "payslips",
        "/mon-coffre/journal/",
        "none",
    )
    assert "refusé" in note.text and "rien n'a été envoyé" in note.text


def test_action_refuses_an_active_agent(agents, delivered, hr, django_capture_on_commit_callbacks):
    agent = agents[0]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as exc:
        leaver_link_create(agent=agent, email="perso@example.org", by=hr)
    assert "encore actif" in exc.value.messages[0]
    assert_nothing_sent(agent)
    assert_told(agent, hr)
    # The same call for the agent once gone goes through: the refusal was for the active account.
    user_deactivate(user=agent, reason="départ")
    with django_capture_on_commit_callbacks(execute=True):
        link = leaver_link_create(agent=agent, email="perso@example.org", by=hr)
    assert link.agent_id == agent.pk


def test_action_reads_the_account_in_the_database_not_the_callers_object(agents, delivered, hr):
    """A stale object saying « inactive » does not pass for an agent the database says is in post."""
    agent = agents[0]
    agent.is_active = False  # not saved
    with pytest.raises(ValidationError):
        leaver_link_create(agent=agent, email="perso@example.org", by=hr)
    assert not LeaverLink.objects.exists()


def test_page_refuses_an_active_agent_then_sends_a_leavers_link(
    client, agents, delivered, hr, django_capture_on_commit_callbacks
):
    agent = agents[0]
    client.force_login(hr)
    data = {"registration_number": agent.registration_number, "email": "perso@example.org"}
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post("/mon-coffre/paie/departs/", data)
    assert refused.status_code == 400
    assert "Le compte de cet agent est encore actif" in refused.content.decode()
    assert_nothing_sent(agent)
    assert_told(agent, hr)
    client.force_login(agent)
    assert (
        "Lien de départ refusé : votre compte est actif"
        in client.get("/mon-coffre/journal/").content.decode()
    )

    # Once the agent has left, the same request sends the link; the mail's token gives their payslips.
    user_deactivate(user=agent, reason="départ")
    client.force_login(hr)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/mon-coffre/paie/departs/", data)
    assert sent.status_code == 302
    run_outbox()
    [message] = leaver_mails()
    assert message.to == ["perso@example.org"]
    token = TOKEN_URL.search(message.body).group(1)
    client.logout()
    response = client.post(f"/mon-coffre/depart/{token}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == ["2026/bulletin-2026-11.pdf"]
    assert AccessEvent.objects.filter(action="payslips.leaver_link", object_id=str(agent.pk)).count() == 1


def test_page_unknown_number(client, agents, hr):
    client.force_login(hr)
    response = client.post("/mon-coffre/paie/departs/", {"registration_number": "999999", "email": "a@b.fr"})
    assert response.status_code == 400 and "Aucun agent n&#x27;a ce matricule." in response.content.decode()
    assert not LeaverLink.objects.exists() and not Notification.objects.exists()


def test_a_link_sent_before_a_reactivation_no_longer_opens(
    client, agents, delivered, hr, django_capture_on_commit_callbacks
):
    agent = agents[0]
    user_deactivate(user=agent, reason="départ")
    with django_capture_on_commit_callbacks(execute=True):
        link = leaver_link_create(agent=agent, email="perso@example.org", by=hr)
    agent.is_active = True  # back in post (a departure cancelled)
    agent.save(update_fields=["is_active"])
    url = f"/mon-coffre/depart/{leaver_token(link)}/"
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 410 and "de nouveau actif" in response.content.decode()
    link.refresh_from_db()
    assert link.used_at is None
    send_leaver_mail({"link": link.pk})
    assert leaver_mails() == []
    assert not AccessEvent.objects.filter(action="payslips.leaver_download").exists()


@pytest.mark.parametrize("who", ["superuser", "agent"])
def test_hr_pages_answer_404_to_everyone_else(client, make_user, agents, hr, deposit_rows, who):
    """Superusers included: being one does not make a payroll manager (explicit group membership only)."""
    batch = deposit_rows([(agents[0].registration_number, "x"), ("999999", "Inconnu")])
    page = batch.quarantine.get()
    client.force_login(make_user("root", superuser=True) if who == "superuser" else agents[1])
    for url in (
        "/mon-coffre/paie/",
        f"/mon-coffre/paie/depot/{batch.pk}/",
        f"/mon-coffre/paie/quarantaine/{page.pk}/",
        f"/mon-coffre/paie/quarantaine/{page.pk}/page.pdf",
        "/mon-coffre/paie/departs/",
    ):
        assert client.get(url).status_code == 404, url
    data = {"registration_number": agents[0].registration_number, "email": "x@example.org"}
    assert client.post("/mon-coffre/paie/departs/", data).status_code == 404
    assert client.post(f"/mon-coffre/paie/quarantaine/{page.pk}/", {"action": "discard"}).status_code == 404
    assert not LeaverLink.objects.exists()
    client.force_login(hr)  # the control: HR reaches them
    assert client.get(f"/mon-coffre/paie/quarantaine/{page.pk}/page.pdf").status_code == 200


def test_hr_never_reads_a_page_once_delivered(client, agents, hr, deposit_rows):
    """A quarantined page HR gives to an agent is the agent's payslip: its PDF no longer opens for HR."""
    batch = deposit_rows([("999999", "Inconnu")])
    page = batch.quarantine.get()
    client.force_login(hr)
    assert client.get(f"/mon-coffre/paie/quarantaine/{page.pk}/page.pdf").status_code == 200
    response = client.post(
        f"/mon-coffre/paie/quarantaine/{page.pk}/", {"registration_number": agents[2].registration_number}
    )
    assert response.status_code == 302
    payslip = Payslip.objects.get(agent=agents[2])
    for url in (
        f"/mon-coffre/paie/quarantaine/{page.pk}/page.pdf",
        f"/mon-coffre/paie/quarantaine/{page.pk}/",
        f"/mon-coffre/bulletin/{payslip.pk}/",
        f"/api/v1/me/payslips/{payslip.pk}/download",
    ):
        assert client.get(url).status_code == 404, url
    assert f"quarantaine/{page.pk}/" not in client.get(f"/mon-coffre/paie/depot/{batch.pk}/").content.decode()
