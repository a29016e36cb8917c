"""Userinfo and ID token claims: who the agent is, limited by the granted scopes; leavers get nothing."""

import pytest

from intranet.people.actions import api_token_create, department_create, department_member_sync

from .conftest import pkce_pair, query_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_in_department(agent, host_org):
    from django.contrib.auth.models import Group

    department = department_create(name="Systèmes d'information", organisation=host_org, slug="si")
    agent.department = department
    agent.save()
    department_member_sync(user=agent)
    agent.groups.add(Group.objects.create(name="Référents RGPD"))
    return agent


def test_userinfo_returns_the_agents_claims_and_groups(client, agent_in_department, oidc_app, tokens_for):
    """Scopes openid profile email groups: username, names, e-mail, every group (departments' included)."""
    tokens = tokens_for(agent_in_department, oidc_app)
    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert response.status_code == 200
    assert response.json() == {
        "sub": str(agent_in_department.pk),
        "preferred_username": "marie.dupont",
        "name": "Marie Dupont",
        "given_name": "Marie",
        "family_name": "Dupont",
        "email": "marie.dupont@ccfi.example",
        "groups": ["Référents RGPD", "Systèmes d'information [si]"],
    }


def test_claims_follow_the_granted_scopes(client, agent_in_department, oidc_app, tokens_for):
    """A client granted only openid and email learns the e-mail, not the names nor the groups."""
    tokens = tokens_for(agent_in_department, oidc_app, scope="openid email")
    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert response.json() == {"sub": str(agent_in_department.pk), "email": "marie.dupont@ccfi.example"}


def test_userinfo_without_token_is_refused(client):
    """No login page for machines: 401 with a Bearer challenge."""
    response = client.get("/o/userinfo/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_deactivated_agent_token_is_refused_by_userinfo(client, agent, oidc_app, tokens_for):
    """A leaver's still-unexpired access token no longer answers who they are."""
    tokens = tokens_for(agent, oidc_app)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    assert client.get("/o/userinfo/", **auth).status_code == 200
    agent.is_active = False
    agent.save()
    response = client.get("/o/userinfo/", **auth)
    assert response.status_code == 401
    assert "invalid_token" in response["WWW-Authenticate"]


def test_deactivated_agent_gets_no_token_for_a_code_issued_before(
    client, agent, oidc_app, authorize, exchange
):
    """Deactivated between the login and the code exchange: the code buys nothing."""
    client.force_login(agent)
    verifier, challenge = pkce_pair()
    code = query_of(authorize(oidc_app, challenge)["Location"])["code"]
    agent.is_active = False
    agent.save()
    refused = exchange(oidc_app, code, verifier)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    agent.is_active = True
    agent.save()
    assert exchange(oidc_app, code, verifier).status_code == 200


def test_deactivated_agent_cannot_refresh(client, agent, oidc_app, tokens_for):
    tokens = tokens_for(agent, oidc_app)
    agent.is_active = False
    agent.save()
    payload = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": oidc_app.client_id,
        "client_secret": "secret-de-test-du-client-synapse-0123456789",
    }
    assert client.post("/o/token/", payload).status_code == 400
    agent.is_active = True
    agent.save()
    assert client.post("/o/token/", payload).status_code == 200


def test_personal_tokens_and_sso_tokens_do_not_open_each_others_doors(client, agent, oidc_app, tokens_for):
    """A personal API token is no OIDC access token, and an OIDC access token does not open the API."""
    sso = {"HTTP_AUTHORIZATION": f"Bearer {tokens_for(agent, oidc_app)['access_token']}"}
    _token, secret = api_token_create(user=agent, name="script")
    personal = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/o/userinfo/", **personal).status_code == 401
    assert client.get("/api/v1/me", **sso).status_code == 401
    # Each in its own place works.
    assert client.get("/o/userinfo/", **sso).status_code == 200
    assert client.get("/api/v1/me", **personal).status_code == 200


def test_userinfo_query_count(client, agent_in_department, oidc_app, tokens_for, django_assert_num_queries):
    """The token with its user and client in one query, then the groups: two, however many groups."""
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens_for(agent_in_department, oidc_app)['access_token']}"}
    with django_assert_num_queries(2):
        assert client.get("/o/userinfo/", **auth).status_code == 200
