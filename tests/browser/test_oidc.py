"""Single sign-on against the live ASGI server: a relying party's whole authorization-code flow with PKCE
(httpx, as Synapse would drive it), then the consent screen an agent sees for a non-trusted client."""

import base64
import hashlib
import json
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from jwcrypto import jwk, jwt
from jwcrypto.jws import InvalidJWSSignature

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

REDIRECT_URI = "http://127.0.0.1:9/callback"  # nothing listens there: the flow reads the Location header
CLIENT_SECRET = secrets.token_urlsafe(32)


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def issuer(server_url, settings):
    """The issuer is SITE_URL + /o; here SITE_URL is the live server, as a relying party checks it is."""
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": f"{server_url}/o"}
    return f"{server_url}/o"


@pytest.fixture
def application(db):
    from oauth2_provider.models import get_application_model

    Application = get_application_model()

    def factory(name, *, trusted):
        return Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=REDIRECT_URI,
            client_secret=CLIENT_SECRET,
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=trusted,
        )

    return factory


def test_relying_party_logs_an_agent_in_with_code_flow_and_pkce(server_url, issuer, application, make_user):
    """Discovery, login on the French form, code with S256 PKCE, tokens, ID token signature checked against
    the JWKS, then userinfo: what Synapse does when an agent clicks « Se connecter avec l'intranet »."""
    agent = make_user("helene.lefebvre", first_name="Hélène", last_name="Lefebvre")
    app = application("Messagerie (Element)", trusted=True)
    verifier, challenge = _pkce()
    nonce = secrets.token_urlsafe(16)

    with httpx.Client(base_url=server_url, follow_redirects=False, timeout=20) as browser:
        # The relying party reads the discovery document at the issuer it was configured with.
        discovery = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=20).json()
        assert discovery["issuer"] == issuer
        assert "S256" in discovery["code_challenge_methods_supported"]

        # The agent's browser is sent to the authorize endpoint, then to the login page.
        query = httpx.QueryParams(
            response_type="code",
            client_id=app.client_id,
            redirect_uri=REDIRECT_URI,
            scope="openid profile email groups",
            state="etat-synapse",
            nonce=nonce,
            code_challenge=challenge,
            code_challenge_method="S256",
        )
        to_login = browser.get(f"{discovery['authorization_endpoint']}?{query}")
        assert to_login.status_code == 302 and to_login.headers["location"].startswith("/connexion/?next=")
        login_page = browser.get(to_login.headers["location"])
        assert "Connexion à l'intranet" in login_page.text
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
        next_url = _query(to_login.headers["location"])["next"]
        logged_in = browser.post(
            "/connexion/",
            data={
                "csrfmiddlewaretoken": csrf,
                "username": "helene.lefebvre",
                "password": "pw-test-123456",
                "next": next_url,
            },
        )
        assert logged_in.status_code == 302 and logged_in.headers["location"] == next_url

        # Back at the authorize endpoint: a trusted client goes straight back to its redirect_uri.
        back = browser.get(logged_in.headers["location"])
        assert back.status_code == 302
        location = back.headers["location"]
        assert location.startswith(REDIRECT_URI + "?")
        params = _query(location)
        assert params["state"] == "etat-synapse" and params["iss"] == issuer
        code = params["code"]

    # The relying party's server exchanges the code (client_secret_basic); a wrong verifier gets nothing.
    with httpx.Client(timeout=20) as relying_party:
        token_request = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
        wrong = relying_party.post(
            discovery["token_endpoint"],
            data={**token_request, "code_verifier": _pkce()[0]},
            auth=(app.client_id, CLIENT_SECRET),
        )
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        token = relying_party.post(
            discovery["token_endpoint"],
            data={**token_request, "code_verifier": verifier},
            auth=(app.client_id, CLIENT_SECRET),
        )
        assert token.status_code == 200, token.text
        tokens = token.json()

        # The ID token's RS256 signature, checked with the keys the JWKS endpoint publishes.
        jwks = jwk.JWKSet.from_json(relying_party.get(discovery["jwks_uri"]).text)
        header = json.loads(base64.urlsafe_b64decode(tokens["id_token"].split(".")[0] + "=="))
        assert header["alg"] == "RS256" and jwks.get_key(header["kid"]) is not None
        id_token = jwt.JWT(
            jwt=tokens["id_token"],
            key=jwks,
            algs=["RS256"],
            check_claims={"iss": issuer, "aud": app.client_id, "exp": None},
        )
        claims = json.loads(id_token.claims)
        assert claims["sub"] == str(agent.pk)
        assert claims["preferred_username"] == "helene.lefebvre"
        assert claims["name"] == "Hélène Lefebvre" and claims["nonce"] == nonce

        # A token signed by anyone else is refused by the same check.
        forged_key = jwk.JWK.generate(kty="RSA", size=2048, kid=header["kid"])
        forged = jwt.JWT(header={"alg": "RS256", "kid": header["kid"]}, claims=claims)
        forged.make_signed_token(forged_key)
        with pytest.raises(InvalidJWSSignature):
            jwt.JWT(jwt=forged.serialize(), key=jwks.get_key(header["kid"]), algs=["RS256"])

        userinfo = relying_party.get(
            discovery["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        assert userinfo.status_code == 200
        assert userinfo.json()["preferred_username"] == "helene.lefebvre"
        assert userinfo.json()["email"] == "helene.lefebvre@ccfi.example"


def test_agent_consents_for_a_non_trusted_client_on_an_accessible_french_page(
    page, login, server_url, application, make_user
):
    """A non-trusted client gets a French, accessible consent screen; « Autoriser » reaches the client."""
    make_user("helene.lefebvre", first_name="Hélène", last_name="Lefebvre")
    app = application("Outil externe", trusted=False)
    _verifier, challenge = _pkce()
    login("helene.lefebvre")
    query = httpx.QueryParams(
        response_type="code",
        client_id=app.client_id,
        redirect_uri=REDIRECT_URI,
        scope="openid profile email",
        state="etat",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    page.goto(f"/o/authorize/?{query}")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Se connecter à « Outil externe » avec votre compte de l'intranet ?"
    assert page.get_by_text("Connaître votre adresse électronique").is_visible()
    assert_accessible(page)

    # Chromium applies CSP form-action to the redirect after the form: the client's origin must be allowed.
    with page.expect_request(re.compile(r"http://127\.0\.0\.1:9/callback\?")) as arrived:
        page.get_by_role("button", name="Autoriser").click()
    params = _query(arrived.value.url)
    assert params["code"] and params["state"] == "etat"
