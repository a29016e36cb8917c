"""Recovery by IT: a superuser removes an agent's devices; the agent's sessions end, the agent is notified,
the access log keeps who, when and why."""

import html

import pytest
from django.contrib.auth.models import Permission
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from intranet.audit.models import AccessEvent
from intranet.notifications.models import Notification
from intranet.people.models import UserSession
from intranet.twofactor import actions
from tests.twofactor.helpers import totp_device

pytestmark = pytest.mark.django_db
RESET = "/compte/reinitialiser-second-facteur/"


@pytest.fixture
def enrolled_agent(agent):
    totp_device(agent)
    actions.backup_codes_generate(user=agent, request=None)
    return agent


def test_it_resets_an_agents_second_factor(client, it_user, enrolled_agent, password_login):
    agent_session = client.__class__()
    agent_session.post("/connexion/", {"username": "marie.dupont", "password": "pw-test-123456"})
    assert UserSession.objects.filter(user=enrolled_agent).exists()

    client.force_login(it_user)
    page = client.get(RESET, {"agent": "marie.dupont"})
    assert page.status_code == 200 and 'value="marie.dupont"' in page.content.decode()
    response = client.post(RESET, {"username": "marie.dupont", "reason": "téléphone perdu, vu au guichet"})
    assert response.status_code == 302

    assert not TOTPDevice.objects.filter(user=enrolled_agent).exists()
    assert not StaticDevice.objects.filter(user=enrolled_agent).exists()
    assert not UserSession.objects.filter(user=enrolled_agent).exists()
    assert agent_session.get("/annuaire/").status_code == 302  # back to the login page
    assert Notification.objects.filter(recipient=enrolled_agent, verb="twofactor_reset").count() == 1
    event = AccessEvent.objects.get(action="twofactor.reset")
    assert event.actor == it_user and event.object_id == str(enrolled_agent.pk)
    assert event.extra["reason"] == "téléphone perdu, vu au guichet" and event.extra["devices"] == 2
    assert "réinitialisé" in client.get(RESET).content.decode()


def test_reset_needs_a_reason_and_a_known_agent(client, it_user, enrolled_agent):
    client.force_login(it_user)
    no_reason = client.post(RESET, {"username": "marie.dupont", "reason": ""})
    assert no_reason.status_code == 400 and "Indiquez le motif" in no_reason.content.decode()
    unknown = client.post(RESET, {"username": "personne", "reason": "test"})
    assert unknown.status_code == 400 and "Aucun agent n'a cet identifiant" in html.unescape(
        unknown.content.decode()
    )
    assert TOTPDevice.objects.filter(user=enrolled_agent).exists()
    assert not AccessEvent.objects.filter(action="twofactor.reset").exists()


@pytest.mark.parametrize("who", ["agent", "staff"])
def test_only_it_may_reset_others_get_404(client, make_user, enrolled_agent, who):
    """Forbidden answers like missing; nothing removed."""
    user = make_user("camille.martin", is_staff=(who == "staff"))
    client.force_login(user)
    assert client.get(RESET).status_code == 404
    assert client.post(RESET, {"username": "marie.dupont", "reason": "x"}).status_code == 404
    assert TOTPDevice.objects.filter(user=enrolled_agent).exists()


def test_it_finds_the_reset_in_the_wagtail_admin(client, it_user, enrolled_agent, make_user):
    """A menu entry for superusers and a button per user on Wagtail's users screen, pre-filling the login."""
    client.force_login(it_user)
    assert "/compte/reinitialiser-second-facteur/" in client.get("/cms/").content.decode()
    users = client.get("/cms/users/").content.decode()
    assert "/compte/reinitialiser-second-facteur/?agent=marie.dupont" in users
    editor = make_user("redaction", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    assert "/compte/reinitialiser-second-facteur/" not in client.get("/cms/").content.decode()
