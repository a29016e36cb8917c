"""Logging in with a directory account (django-auth-ldap through intranet.people.ldap.DirectoryBackend)."""

import pytest
from django.urls import reverse

from intranet.people.models import User

from .conftest import password

pytestmark = pytest.mark.django_db


def _login(client, username, secret):
    return client.post(reverse("login"), {"username": username, "password": secret})


def test_directory_agent_logs_in_and_gets_an_account_keyed_on_entryuuid(directory, client):
    """First login creates the account with the directory's names (accents intact) and immutable id."""
    response = _login(client, "Eloise.Garcon", password("eloise.garcon"))
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="eloise.garcon")
    assert (user.first_name, user.last_name, user.job_title) == ("Éloïse", "Garçon", "Technicienne réseaux")
    assert user.ldap_guid and user.ldap_dn.startswith("uid=eloise.garcon,")
    assert not user.has_usable_password()  # the password stays in the directory
    assert int(client.session["_auth_user_id"]) == user.pk


def test_wrong_password_is_refused(directory, client):
    response = _login(client, "eloise.garcon", "pas-le-bon")
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()
    assert _login(client, "eloise.garcon", password("eloise.garcon")).status_code == 302


def test_empty_password_is_refused_before_any_bind(directory, client):
    """An empty password never reaches the directory (it would be an anonymous bind that succeeds): with
    the directory down, the answer is "wrong password", not "directory unreachable"."""
    from intranet.people.ldap import DirectoryBackend

    assert DirectoryBackend().authenticate(None, username="eloise.garcon", password="") is None
    directory.down()
    response = _login(client, "eloise.garcon", "")
    assert "injoignable" not in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("username", ["*)(uid=*", "*", "eloise.garcon)(|(uid=*", "rene*", "a\\2a"])
def test_filter_injection_finds_nobody(directory, client, username):
    """Filter metacharacters in the login name are escaped: they match no entry, whatever the password."""
    from intranet.people.ldap import DirectoryBackend

    for secret in (password("eloise.garcon"), password("rene.dgs"), "x"):
        assert DirectoryBackend().authenticate(None, username=username, password=secret) is None
    assert not User.objects.exists() or not User.objects.filter(ldap_dn__isnull=False).exists()
    assert _login(client, "rene.dgs", password("rene.dgs")).status_code == 302


def test_locked_directory_account_cannot_log_in(directory, client):
    response = _login(client, "paul.verrouille", password("paul.verrouille"))
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_directory_password_never_opens_a_local_account_with_the_same_name(directory, client, make_user):
    """A local (break-glass) account named like a directory entry is not taken over through LDAP."""
    local = make_user("rene.dgs", first_name="Local")
    response = _login(client, "rene.dgs", password("rene.dgs"))
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    local.refresh_from_db()
    assert local.ldap_dn is None and local.first_name == "Local"
    assert _login(client, "rene.dgs", "pw-test-123456").status_code == 302  # its own password works


def test_directory_down_shows_french_message_and_local_accounts_still_work(directory, client, make_user):
    """With slapd stopped: a clear French message for directory agents, local accounts log in."""
    make_user("it.secours")
    directory.down()
    response = _login(client, "eloise.garcon", password("eloise.garcon"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "L&#x27;annuaire est injoignable" in page or "L'annuaire est injoignable" in page
    assert "les comptes locaux fonctionnent" in page
    assert _login(client, "it.secours", "pw-test-123456").status_code == 302


def test_ldap_is_off_without_server_uri(settings, client, make_user):
    """LDAP_SERVER_URI empty: no LDAP backend, the adapter refuses to work, local accounts log in."""
    from django.core.exceptions import ImproperlyConfigured

    from intranet.people import ldap as adapter

    settings.LDAP_SERVER_URI = ""
    assert "intranet.people.ldap.DirectoryBackend" not in settings.AUTHENTICATION_BACKENDS
    with pytest.raises(ImproperlyConfigured, match="LDAP_SERVER_URI"):
        adapter.connect()
    make_user("local.agent")
    assert _login(client, "local.agent", "pw-test-123456").status_code == 302
