"""The adapter alone: weak secrets refused at start and at use, HS256 only, origin allow-list, keys."""

import io

import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured

from ged import onlyoffice

STRONG = "k" * 64


@pytest.fixture
def on(settings):
    settings.ONLYOFFICE_URL = "https://office.ccfi.example"
    settings.ONLYOFFICE_INTERNAL_URL = "http://onlyoffice:8080"
    settings.ONLYOFFICE_JWT_SECRET = STRONG
    return settings


@pytest.mark.parametrize("secret", ["", "secret", "SECRET", "short-but-random-31-characters!"])
def test_startup_refuses_a_weak_secret(on, secret):
    """System check ged.E001 (French and English) and ImproperlyConfigured when used."""
    on.ONLYOFFICE_JWT_SECRET = secret
    errors = onlyoffice.check_settings()
    assert [e.id for e in errors] == ["ged.E001"]
    assert "ONLYOFFICE_JWT_SECRET est vide" in errors[0].msg and "is empty" in errors[0].msg
    with pytest.raises(ImproperlyConfigured):
        onlyoffice.sign({"a": 1})


def test_startup_accepts_a_strong_secret_and_ignores_it_when_off(on):
    assert onlyoffice.check_settings() == []
    on.ONLYOFFICE_URL = ""
    on.ONLYOFFICE_JWT_SECRET = ""
    assert onlyoffice.check_settings() == []
    assert not onlyoffice.enabled()


def test_manage_check_reports_the_weak_secret(on):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    on.ONLYOFFICE_JWT_SECRET = "secret"
    with pytest.raises(SystemCheckError, match="ged.E001"):
        call_command("check")


def test_verify_accepts_hs256_and_unwraps_the_payload(on):
    assert onlyoffice.verify(onlyoffice.sign({"key": "k", "status": 1})) == {"key": "k", "status": 1}
    wrapped = jwt.encode({"payload": {"url": "u"}}, STRONG, algorithm="HS256")
    assert onlyoffice.verify(wrapped) == {"url": "u"}


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-jwt",
        jwt.encode({"key": "k"}, "x" * 40, algorithm="HS256"),
        jwt.encode({"key": "k"}, STRONG, algorithm="HS512"),
        jwt.encode({"key": "k", "exp": 1000}, STRONG, algorithm="HS256"),
        jwt.encode({"key": "k"}, None, algorithm="none"),
    ],
    ids=["empty", "garbage", "wrong-secret", "hs512", "expired", "alg-none"],
)
def test_verify_refuses_everything_else(on, token):
    with pytest.raises(onlyoffice.InvalidToken):
        onlyoffice.verify(token)


def test_fetch_refuses_foreign_origins_without_connecting(on):
    for url in [
        "https://evil.example/cache/output.docx",
        "https://office.ccfi.example:444/x",
        "http://office.ccfi.example/x",  # another scheme is another origin
        "file:///etc/passwd",
        "http://127.0.0.1/x",
        "",
    ]:
        with pytest.raises(onlyoffice.FetchRefused):
            onlyoffice.fetch_from_ds(url, io.BytesIO())


def test_ds_origins_are_the_public_and_internal_urls(on):
    assert onlyoffice.ds_origins() == {("https", "office.ccfi.example", 443), ("http", "onlyoffice", 8080)}


def test_keys_are_random_prefixed_and_in_the_allowed_charset(on):
    keys = {onlyoffice.new_key() for _ in range(50)}
    assert len(keys) == 50
    assert all(onlyoffice.KEY_RE.match(k) and k.startswith("ccfi-") and len(k) <= 128 for k in keys)


@pytest.mark.parametrize(
    ("ext", "kind"),
    [
        ("docx", "word"),
        ("odt", "word"),
        ("xlsx", "cell"),
        ("ods", "cell"),
        ("pptx", "slide"),
        ("odp", "slide"),
        ("pdf", "pdf"),
        ("txt", None),
        ("doc", None),
    ],
)
def test_document_type(ext, kind):
    assert onlyoffice.document_type(ext) == kind


def test_callback_signature_is_per_document(on):
    assert onlyoffice.check_callback_signature(1, onlyoffice.callback_signature(1))
    assert not onlyoffice.check_callback_signature(2, onlyoffice.callback_signature(1))
    assert not onlyoffice.check_callback_signature(1, "")
