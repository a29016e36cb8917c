"""Authorization endpoint (login, consent) and token endpoint (PKCE), driven through Django's test client."""

import pytest
from django.conf import settings

from .conftest import CLIENT_SECRET, REDIRECT_URI, pkce_pair, query_of

pytestmark = pytest.mark.django_db


def test_anonymous_agent_is_sent_to_the_french_login_page_and_back(client, oidc_app):
    """The authorize endpoint keeps requiring a login, and the login page brings the agent back to it."""
    _verifier, challenge = pkce_pair()
    response = client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": oidc_app.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/?next=/o/authorize/")
    login_page = client.get(response["Location"])
    assert "Connexion à l'intranet" in login_page.content.decode()


def test_trusted_client_gets_a_code_without_consent_screen(client, agent, oidc_app, authorize):
    """A first-party client (skip_authorization) goes straight back with a code, the state and our issuer."""
    client.force_login(agent)
    _verifier, challenge = pkce_pair()
    response = authorize(oidc_app, challenge)
    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT_URI + "?")
    params = query_of(response["Location"])
    assert params["code"] and params["state"] == "etat-123"
    assert params["iss"] == settings.SITE_URL + "/o"  # RFC 9207: the client can tell which provider answered


def test_other_client_shows_the_french_consent_screen(client, agent, make_application, authorize):
    """A third-party client first gets a French consent page whose form may post on to the client's origin."""
    app = make_application("Outil externe", trusted=False)
    client.force_login(agent)
    _verifier, challenge = pkce_pair()
    response = authorize(app, challenge)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Se connecter à « Outil externe »" in html
    assert "Connaître votre adresse électronique" in html and "Autoriser" in html and "Refuser" in html
    assert "form-action 'self' http://127.0.0.1:9;" in response["Content-Security-Policy"]

    form = response.context["form"]
    data = {field.name: field.value() for field in form if field.is_hidden and field.value() is not None}
    refused = client.post("/o/authorize/", data)
    assert refused.status_code == 302 and query_of(refused["Location"])["error"] == "access_denied"
    allowed = client.post("/o/authorize/", {**data, "allow": "Authorize"})
    assert allowed.status_code == 302 and "code" in query_of(allowed["Location"])


@pytest.mark.parametrize(
    "change",
    [{"code_challenge": None, "code_challenge_method": None}, {"method": "plain"}],
    ids=["without-pkce", "plain-pkce"],
)
def test_authorization_without_s256_pkce_is_refused(client, agent, oidc_app, authorize, change):
    """PKCE is required, and only its S256 method (RFC 9700): no code is issued otherwise."""
    client.force_login(agent)
    verifier, challenge = pkce_pair()
    if "method" in change:
        response = authorize(oidc_app, verifier, method="plain")
    else:
        response = authorize(oidc_app, None, method=None)
    refused = query_of(response["Location"])
    assert refused["error"] == "invalid_request" and "code" not in refused
    assert authorize(oidc_app, challenge).status_code == 302


def test_token_endpoint_rejects_a_wrong_pkce_verifier(client, agent, oidc_app, authorize, exchange):
    """A stolen code is useless without the verifier; the right verifier then gets the tokens."""
    client.force_login(agent)
    verifier, challenge = pkce_pair()
    code = query_of(authorize(oidc_app, challenge)["Location"])["code"]
    wrong, _ = pkce_pair()
    refused = exchange(oidc_app, code, wrong)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    accepted = exchange(oidc_app, code, verifier)
    assert accepted.status_code == 200
    body = accepted.json()
    assert body["token_type"] == "Bearer" and body["access_token"] and body["id_token"]


def test_code_is_single_use(client, agent, oidc_app, authorize, exchange):
    """A replayed code gets nothing (RFC 6749 §4.1.2)."""
    client.force_login(agent)
    verifier, challenge = pkce_pair()
    code = query_of(authorize(oidc_app, challenge)["Location"])["code"]
    assert exchange(oidc_app, code, verifier).status_code == 200
    assert exchange(oidc_app, code, verifier).status_code == 400


def test_token_endpoint_rejects_a_wrong_client_secret(client, agent, oidc_app, authorize):
    """A confidential client (Synapse) must authenticate; the right secret then gets the tokens."""
    client.force_login(agent)
    verifier, challenge = pkce_pair()
    code = query_of(authorize(oidc_app, challenge)["Location"])["code"]
    payload = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": oidc_app.client_id,
        "code_verifier": verifier,
    }
    assert client.post("/o/token/", {**payload, "client_secret": "pas-le-bon"}).status_code == 401
    assert client.post("/o/token/", {**payload, "client_secret": CLIENT_SECRET}).status_code == 200


def test_unknown_client_gets_a_french_error_page_not_a_redirect(client, agent, oidc_app, authorize):
    """No redirect for an unregistered client_id (open redirector): a French page says what happened."""
    client.force_login(agent)
    _verifier, challenge = pkce_pair()
    response = authorize(oidc_app, challenge, client_id="inconnu")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Connexion impossible" in html and "invalid_request" in html
    assert authorize(oidc_app, challenge).status_code == 302
