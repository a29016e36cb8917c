"""Discovery document and JWKS: what a relying party (Synapse) reads before anything else, without a login."""

import json

import pytest
from django.conf import settings
from jwcrypto import jwk

pytestmark = pytest.mark.django_db


def test_discovery_document_announces_the_code_flow_with_pkce(client):
    """The issuer is SITE_URL + /o; only the code flow, S256 PKCE, RS256 ID tokens, our scopes and claims."""
    response = client.get("/o/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.json()
    issuer = settings.SITE_URL + "/o"
    assert doc["issuer"] == issuer
    assert doc["authorization_endpoint"].endswith("/o/authorize/")
    assert doc["token_endpoint"].endswith("/o/token/")
    assert doc["userinfo_endpoint"].endswith("/o/userinfo/")
    assert doc["jwks_uri"].endswith("/o/.well-known/jwks.json")
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"][0] == "RS256"
    assert set(doc["scopes_supported"]) == {"openid", "profile", "email", "groups"}
    assert {"sub", "preferred_username", "name", "given_name", "family_name", "email", "groups"} <= set(
        doc["claims_supported"]
    )


def test_discovery_answers_with_or_without_trailing_slash(client):
    assert client.get("/o/.well-known/openid-configuration/").status_code == 200


def test_jwks_publishes_the_public_part_of_the_configured_rs256_key(client):
    """The JWKS holds the RSA public key matching OIDC_RSA_PRIVATE_KEY, marked RS256, and nothing private."""
    response = client.get("/o/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert len(keys) == 1
    published = keys[0]
    assert published["kty"] == "RSA" and published["alg"] == "RS256" and published["use"] == "sig"
    assert "d" not in published and "p" not in published
    private = jwk.JWK.from_pem(settings.OIDC_RSA_PRIVATE_KEY.encode())
    expected = json.loads(private.export_public())
    assert (published["n"], published["e"]) == (expected["n"], expected["e"])
    assert published["kid"] == private.thumbprint()


def test_without_a_key_the_provider_is_off(client, settings):
    """No key configured (production default): every OIDC endpoint answers 404."""
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ENABLED": False, "OIDC_RSA_PRIVATE_KEY": ""}
    assert client.get("/o/.well-known/openid-configuration").status_code == 404
    assert client.get("/o/.well-known/jwks.json").status_code == 404
