"""Deactivating an agent in Wagtail's « Utilisateurs » edit form is a local suspension through the leavers'
action: the agent's session and tokens end at once; ticking « actif » again is an audited reactivation."""

import pytest
from django.test import Client

from intranet.audit.models import AccessEvent
from intranet.people.actions import api_token_create

pytestmark = pytest.mark.django_db


def _form_data(response, **changes):
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value in (None, False):
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = value
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_unticking_active_in_the_wagtail_edit_form_ends_sessions_and_tokens(agent, make_user):
    marie = Client()
    marie.force_login(agent)
    _token, secret = api_token_create(user=agent, name="script")
    it = Client()
    it.force_login(make_user("admin.si", superuser=True))
    url = f"/cms/users/edit/{agent.pk}/"
    response = it.post(url, _form_data(it.get(url), is_active=None))
    assert response.status_code == 302
    agent.refresh_from_db()
    assert not agent.is_active and agent.suspended_at is not None
    assert marie.get("/notifications/").status_code == 302
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert AccessEvent.objects.filter(action="user.deactivate", object_id=str(agent.pk)).exists()

    response = it.post(url, _form_data(it.get(url), is_active="on"))
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.is_active and agent.suspended_at is None
    assert AccessEvent.objects.filter(action="user.reactivate", object_id=str(agent.pk)).exists()


@pytest.mark.parametrize(
    "backend",
    [
        "django.contrib.auth.backends.ModelBackend",
        "intranet.people.remote_user.ExistingAgentRemoteUserBackend",
        "intranet.people.ldap.DirectoryBackend",
    ],
)
def test_every_session_backend_refuses_an_inactive_account(agent, backend):
    """A session remembers the backend that opened it; each of them must refuse a deactivated agent."""
    from django.contrib.auth import load_backend

    from intranet.people.models import User

    assert load_backend(backend).get_user(agent.pk) == agent
    User.objects.filter(pk=agent.pk).update(is_active=False)
    assert load_backend(backend).get_user(agent.pk) is None
