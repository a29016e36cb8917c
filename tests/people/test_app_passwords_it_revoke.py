"""IT revokes an agent's app passwords from Wagtail's « Utilisateurs » screen: superusers only, audited, the
agent notified, and the drive refused at once."""

import html

import pytest

from intranet.audit.models import AccessEvent
from intranet.notifications.models import Notification
from intranet.people.app_passwords import authenticate_app_password, create_app_password
from intranet.people.models import AppPassword

pytestmark = pytest.mark.django_db
PAGE = "/compte/lecteur-reseau/revoquer-ceux-d-un-agent/"
IP = "192.0.2.10"


@pytest.fixture
def it_user(make_user):
    return make_user("admin.si", superuser=True)


def test_it_finds_the_button_on_wagtail_users_screen(client, it_user, agent):
    client.force_login(it_user)
    users = html.unescape(client.get("/cms/users/").content.decode())
    assert f"{PAGE}?agent=marie.dupont" in users
    assert "Révoquer les mots de passe d'application" in users


def test_others_with_wagtail_access_see_no_button(client, make_user, agent):
    from django.contrib.auth.models import Permission

    editor = make_user("rh.gestion", is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["access_admin", "change_user"]))
    client.force_login(editor)
    users = client.get("/cms/users/")
    assert users.status_code == 200 and PAGE not in users.content.decode()


def test_it_revokes_every_app_password_of_the_agent(client, it_user, agent, make_user):
    laptop, laptop_secret = create_app_password(agent, "PC portable")
    mac, _mac_secret = create_app_password(agent, "Mac personnel")
    other = make_user("camille.martin")
    _kept, kept_secret = create_app_password(other, "PC du bureau")

    client.force_login(it_user)
    page = client.get(PAGE, {"agent": "marie.dupont"}).content.decode()
    assert 'value="marie.dupont"' in page and "PC portable" in page and "Mac personnel" in page
    response = client.post(PAGE, {"username": "marie.dupont", "reason": "portable volé, signalé au guichet"})
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?agent=marie.dupont"

    assert not AppPassword.objects.active().filter(user=agent).exists()
    assert authenticate_app_password("marie.dupont", laptop_secret, ip=IP) is None
    assert authenticate_app_password("camille.martin", kept_secret, ip=IP) == other
    events = AccessEvent.objects.filter(action="app_password.revoke").order_by("object_id")
    assert events.count() == 2
    assert {e.actor for e in events} == {it_user}
    assert {e.object_id for e in events} == {str(laptop.pk), str(mac.pk)}
    reason = "portable volé, signalé au guichet"
    assert all(e.extra["by"] == "it" and e.extra["reason"] == reason for e in events)
    notification = Notification.objects.get(recipient=agent, verb="app_passwords_revoked")
    assert notification.url == "/compte/lecteur-reseau/"
    assert not Notification.objects.filter(recipient=other).exists()

    after = html.unescape(client.get(response["Location"]).content.decode())
    assert "2 mots de passe d'application de Marie Dupont révoqués" in after
    assert "Aucun mot de passe d'application actif." in after

    # Again: nothing left to revoke, nothing audited, no second notification.
    client.post(PAGE, {"username": "marie.dupont", "reason": "contrôle"})
    assert AccessEvent.objects.filter(action="app_password.revoke").count() == 2
    assert Notification.objects.filter(recipient=agent, verb="app_passwords_revoked").count() == 1


def test_revocation_needs_a_reason_and_a_known_agent(client, it_user, agent):
    create_app_password(agent, "PC portable")
    client.force_login(it_user)
    no_reason = client.post(PAGE, {"username": "marie.dupont", "reason": ""})
    assert no_reason.status_code == 400 and "Indiquez le motif" in html.unescape(no_reason.content.decode())
    unknown = client.post(PAGE, {"username": "personne", "reason": "test"})
    assert unknown.status_code == 400 and "Aucun agent n'a cet identifiant" in html.unescape(
        unknown.content.decode()
    )
    assert AppPassword.objects.active().filter(user=agent).count() == 1
    assert not AccessEvent.objects.filter(action="app_password.revoke").exists()


@pytest.mark.parametrize("who", ["agent", "staff"])
def test_only_superusers_may_revoke_others_get_404(client, make_user, agent, who):
    create_app_password(agent, "PC portable")
    user = make_user("camille.martin", is_staff=(who == "staff"))
    client.force_login(user)
    assert client.get(PAGE, {"agent": "marie.dupont"}).status_code == 404
    assert client.post(PAGE, {"username": "marie.dupont", "reason": "x"}).status_code == 404
    assert AppPassword.objects.active().filter(user=agent).count() == 1


@pytest.mark.parametrize("value", ["a\x00b", "x" * 400, "  ", "marie.dupont\x00"])
def test_hostile_agent_names_are_no_server_error(client, it_user, agent, value):
    create_app_password(agent, "PC portable")
    client.force_login(it_user)
    assert client.get(PAGE, {"agent": value}).status_code == 200
    assert client.post(PAGE, {"username": value, "reason": "test"}).status_code == 400
    assert AppPassword.objects.active().filter(user=agent).count() == 1
