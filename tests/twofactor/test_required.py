"""Who must present a second factor: every staff or superuser session, everyone in /cms/ and /django-admin/;
other agents are offered it."""

import pytest
from django.contrib.auth.models import Group, Permission

from tests.twofactor.helpers import totp_code, totp_device

pytestmark = pytest.mark.django_db
VERIFY = "/compte/second-facteur/verification/"
OVERVIEW = "/compte/second-facteur/"


@pytest.mark.parametrize("path", ["/cms/", "/django-admin/", "/", "/annuaire/"])
def test_superuser_without_a_device_is_sent_to_enrolment(client, it_user, password_login, path):
    password_login(it_user)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(OVERVIEW + "?next=")
    page = client.get(response["Location"])
    assert page.status_code == 200 and "un second facteur est obligatoire" in page.content.decode()


@pytest.mark.parametrize("path", ["/cms/", "/django-admin/"])
def test_superuser_with_a_device_is_sent_to_verification_then_admitted(client, it_user, password_login, path):
    device = totp_device(it_user)
    password_login(it_user)
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY + "?next=")
    assert client.post(VERIFY, {"code": totp_code(device), "next": path})["Location"] == path
    assert client.get(path).status_code == 200


def test_staff_api_calls_from_an_unverified_session_are_refused_in_french(
    client, enrolled_staff, password_login
):
    password_login(enrolled_staff)
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert "second facteur" in response.json()["detail"]


def test_wagtail_editor_who_is_not_staff_needs_it_in_the_cms_only(client, make_user, password_login):
    """Access to /cms/ through a group (not is_staff): the intranet stays password-only, the admin not."""
    editor = make_user("lea.roux")
    group = Group.objects.create(name="Rédaction")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(group)
    password_login(editor)
    assert client.get("/annuaire/").status_code == 200
    response = client.get("/cms/")
    assert response.status_code == 302 and response["Location"].startswith(OVERVIEW)


def test_unverified_staff_session_reaches_the_steps_logout_and_language(
    client, enrolled_staff, password_login
):
    password_login(enrolled_staff)
    assert client.get(VERIFY).status_code == 200
    assert client.post("/i18n/setlang/", {"language": "en", "next": VERIFY}).status_code == 302
    assert client.post("/deconnexion/").status_code == 200


def test_test_client_force_login_of_staff_is_verified(client, it_user):
    """The tests' shortcut (tests/conftest.py) presents the factor: admin tests need no enrolment."""
    client.force_login(it_user)
    assert client.get("/cms/").status_code == 200
    assert client.get("/django-admin/").status_code == 200
