"""R13 with a real directory: deactivation from either admin ends everything like the sync's leavers and the
sync never lifts it; the throttle counts case variants of one login as one account."""

import pytest
from django.conf import settings
from django.urls import reverse

from intranet.audit.models import AccessEvent
from intranet.people.actions import api_token_create
from intranet.people.ldap_sync import ldap_sync_run
from intranet.people.models import User, UserSession

from .conftest import password

pytestmark = pytest.mark.django_db


def _login(client, username, secret):
    return client.post(reverse("login"), {"username": username, "password": secret})


@pytest.fixture
def eloise(directory, client):
    """Éloïse, synced from the directory and logged in with her directory password, with an API token."""
    ldap_sync_run()
    assert _login(client, "eloise.garcon", password("eloise.garcon")).status_code == 302
    user = User.objects.get(username="eloise.garcon")
    _token, secret = api_token_create(user=user, name="script")
    return user, secret


@pytest.fixture
def it_client(make_user):
    from django.test import Client

    it = make_user("admin.si", superuser=True)
    client = Client()
    client.force_login(it)
    return client


def _still_in(client, secret) -> tuple[int, int]:
    page = client.get("/notifications/")
    api = client.__class__().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    return page.status_code, api.status_code


def test_suspension_in_wagtail_users_ends_everything_and_the_sync_keeps_it(eloise, client, it_client):
    user, secret = eloise
    assert _still_in(client, secret) == (200, 200)
    response = it_client.post(
        f"/cms/bulk/people/user/set_active_state/?id={user.pk}", {"mark_as_active": "False"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active and user.suspended_at is not None
    page, api = _still_in(client, secret)
    assert page == 302 and api == 401
    assert not UserSession.objects.filter(user=user).exists()
    assert AccessEvent.objects.filter(action="user.deactivate", object_id=str(user.pk)).exists()
    # The entry is still enabled in the directory: the sync must not undo IT's decision, nor log in.
    report = ldap_sync_run()
    user.refresh_from_db()
    assert not user.is_active and report.reactivated == 0
    assert _login(client.__class__(), "eloise.garcon", password("eloise.garcon")).status_code == 200
    # Only an explicit, audited reactivation lifts it; then the directory password works again.
    it_client.post(f"/cms/bulk/people/user/set_active_state/?id={user.pk}", {"mark_as_active": "True"})
    user.refresh_from_db()
    assert user.is_active and user.suspended_at is None
    assert AccessEvent.objects.filter(action="user.reactivate", object_id=str(user.pk)).exists()
    ldap_sync_run()
    user.refresh_from_db()
    assert user.is_active
    assert _login(client.__class__(), "eloise.garcon", password("eloise.garcon")).status_code == 302


def test_deactivation_in_the_django_admin_goes_through_the_same_action(eloise, client, it_client):
    user, secret = eloise
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_staff": "",
        "is_superuser": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
    }  # is_active left out: unticked
    response = it_client.post(f"/django-admin/people/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert not user.is_active and user.suspended_at is not None
    assert _still_in(client, secret) == (302, 401)
    ldap_sync_run()
    user.refresh_from_db()
    assert not user.is_active


def test_directory_backend_refuses_the_session_of_an_inactive_account(eloise):
    from intranet.people.ldap import DirectoryBackend

    user, _secret = eloise
    assert DirectoryBackend().get_user(user.pk) == user
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert DirectoryBackend().get_user(user.pk) is None


def test_case_variants_of_one_login_share_one_lockout_counter(directory, client):
    variants = ["eloise.garcon", "Eloise.Garcon", "ELOISE.GARCON", " eloise.garcon ", "Eloise.GARCON"]
    assert len(variants) == settings.AXES_FAILURE_LIMIT
    for name in variants[:-1]:
        assert _login(client, name, "pas-le-bon").status_code == 200
    _login(client, variants[-1], "pas-le-bon")  # the fifth failure locks
    # The sixth guess, right password and yet another spelling: locked out.
    response = _login(client, "eLoIsE.gArCoN", password("eloise.garcon"))
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
