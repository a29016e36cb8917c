"""Settings, the start-up check, JWT, document keys, signed links and the editor config."""

import hashlib
import hmac
import logging
import re
import uuid
from urllib.parse import urlsplit

import jwt
from django.conf import settings
from django.core import checks, signing
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare

from ..models import (
    Document,
    EditorKey,
    OnlineSave,
    Version,
)
from ..names import extension
from ..permissions import document_access

logger = logging.getLogger(__name__)

DOCUMENT_TYPES = {
    "docx": "word",
    "odt": "word",
    "xlsx": "cell",
    "ods": "cell",
    "pptx": "slide",
    "odp": "slide",
    "pdf": "pdf",
}
WEAK_SECRETS = {"", "secret"}
MIN_SECRET_LENGTH = 32
LINK_MAX_AGE = 15 * 60  # seconds a document.url / history url stays valid
CHANGES_MAX_BYTES = 20 * 1024 * 1024
KEY_RE = re.compile(r"^[0-9A-Za-z._=-]{1,128}$")
_DOWNLOAD_SALT = "ged.onlyoffice.download"
_CHANGES_SALT = "ged.onlyoffice.changes"
_CALLBACK_SALT = "ged.onlyoffice.callback"
WEAK_SECRET_MESSAGE = (
    "ONLYOFFICE_JWT_SECRET est vide, trop court (moins de 32 caractères) ou connu (« secret ») alors que "
    "ONLYOFFICE_URL est défini. / ONLYOFFICE_JWT_SECRET is empty, shorter than 32 characters or well known "
    "while ONLYOFFICE_URL is set."
)
SECRET_HINT = (
    "Générez un secret aléatoire (python -c 'import secrets; print(secrets.token_urlsafe(48))') "
    "et mettez la même valeur dans JWT_SECRET du Document Server."
)


class InvalidToken(Exception):
    """Missing, unsigned, wrongly signed, expired or malformed JWT."""


class FetchRefused(Exception):
    """A URL outside the Document Server's origin, a redirect, an error status, a timeout, too many bytes."""


class FetchFailed(FetchRefused):
    """A fetch that may work if tried again: network error, timeout, a 5xx from the Document Server."""


# --- Settings -------------------------------------------------------------------------------------------


def enabled() -> bool:
    return bool(getattr(settings, "ONLYOFFICE_URL", ""))


def _weak(secret: str) -> bool:
    return secret.strip().lower() in WEAK_SECRETS or len(secret) < MIN_SECRET_LENGTH


def secret() -> str:
    value = getattr(settings, "ONLYOFFICE_JWT_SECRET", "") or ""
    if not enabled():
        raise ImproperlyConfigured("OnlyOffice is off: set ONLYOFFICE_URL to use it.")
    if _weak(value):
        raise ImproperlyConfigured(WEAK_SECRET_MESSAGE)
    return value


def header_name() -> str:
    return getattr(settings, "ONLYOFFICE_JWT_HEADER", "") or "Authorization"


def public_url() -> str:
    return (getattr(settings, "ONLYOFFICE_URL", "") or "").rstrip("/")


def ds_origins() -> set[tuple[str, str, int]]:
    """The Document Server's origins (public and internal): the only hosts we ever fetch from."""
    urls = [getattr(settings, "ONLYOFFICE_URL", ""), getattr(settings, "ONLYOFFICE_INTERNAL_URL", "")]
    return {o for o in (_origin(u) for u in urls if u) if o}


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = (parts.scheme or "").lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


def app_base_url(request=None) -> str:
    """Where the Document Server reaches the intranet: ONLYOFFICE_APP_URL, else the request's origin."""
    base = getattr(settings, "ONLYOFFICE_APP_URL", "") or ""
    if base:
        return base.rstrip("/")
    if request is None:
        return settings.SITE_URL.rstrip("/")
    return f"{request.scheme}://{request.get_host()}"


@checks.register(checks.Tags.security)
def check_settings(app_configs=None, **kwargs):
    """Refuse to start with co-editing on and a weak JWT secret (CVE-2021-43444..43449)."""
    if not enabled():
        return []
    errors = []
    if _weak(getattr(settings, "ONLYOFFICE_JWT_SECRET", "") or ""):
        errors.append(
            checks.Error(
                WEAK_SECRET_MESSAGE,
                hint=SECRET_HINT,
                id="ged.E001",
            )
        )
    if _origin(public_url()) is None:
        errors.append(
            checks.Error(
                "ONLYOFFICE_URL doit être une adresse http(s) complète. / ONLYOFFICE_URL must be an absolute "
                "http(s) URL.",
                id="ged.E002",
            )
        )
    return errors


# --- JWT ------------------------------------------------------------------------------------------------


def sign(payload: dict) -> str:
    return jwt.encode(payload, secret(), algorithm="HS256")


def verify(token: str) -> dict:
    """Decode an HS256 token (only HS256: `none` and the others are refused; `exp` honoured, 60 s leeway)
    and unwrap the `payload` wrapper the Document Server puts in header tokens."""
    if not token or not isinstance(token, str):
        raise InvalidToken("no token")
    try:
        decoded = jwt.decode(token, secret(), algorithms=["HS256"], leeway=60)
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
    payload = decoded.get("payload", decoded) if isinstance(decoded, dict) else None
    if not isinstance(payload, dict):
        raise InvalidToken("payload is not an object")
    return payload


def header_token(headers) -> str:
    value = headers.get(header_name()) or ""
    return value[7:].strip() if value.startswith("Bearer ") else ""


def verify_request(body, headers) -> dict:
    """A Document Server request: the body `token` first (header tokens may be truncated), else the header.
    Only the decoded payload may be used afterwards, never the unsigned body."""
    token = body.get("token") if isinstance(body, dict) else None
    if not token:
        token = header_token(headers)
    return verify(token)


# --- Keys and signed links ------------------------------------------------------------------------------


def document_type(ext: str) -> str | None:
    return DOCUMENT_TYPES.get((ext or "").lower().lstrip("."))


def document_extension(document: Document) -> str:
    ext = extension(document.title)
    if ext not in DOCUMENT_TYPES and document.current_version_id:
        ext = extension(document.current_version.original_name)
    return ext


def editable(document: Document) -> bool:
    """An office file the editor can open (the button and the page both ask this)."""
    return (
        enabled()
        and document.current_version_id is not None
        and document.trashed_at is None
        and document_type(document_extension(document)) is not None
    )


def new_key() -> str:
    prefix = re.sub(r"[^0-9A-Za-z._=-]", "", getattr(settings, "ONLYOFFICE_KEY_PREFIX", "") or "ccfi")[:40]
    return f"{prefix}-{uuid.uuid4().hex}"


def active_key(document: Document) -> EditorKey:
    """The key co-editors of the current version share (issued by the GED action: this adapter writes no
    row)."""
    from ..online import editor_key_issue

    return editor_key_issue(document)


def history_key(version: Version) -> str:
    """A stable, unguessable key for viewing an old version in the history panel."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"ged-history:{version.pk}".encode(), hashlib.sha256
    ).hexdigest()
    return f"{new_key().rsplit('-', 1)[0]}-h{digest[:40]}"


def download_url(version: Version, *, base_url: str) -> str:
    capability = signing.dumps(
        {"v": version.pk, "d": version.document_id}, salt=_DOWNLOAD_SALT, compress=True
    )
    return base_url + reverse("ged:onlyoffice_download", args=[capability])


def read_download_capability(capability: str) -> dict:
    try:
        data = signing.loads(capability, salt=_DOWNLOAD_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        raise InvalidToken("bad capability") from None
    if not isinstance(data, dict) or not isinstance(data.get("v"), int):
        raise InvalidToken("bad capability")
    return data


def changes_url(save: OnlineSave, *, base_url: str) -> str:
    capability = signing.dumps({"s": save.pk}, salt=_CHANGES_SALT)
    return base_url + reverse("ged:onlyoffice_changes", args=[capability])


def read_changes_capability(capability: str) -> int:
    try:
        data = signing.loads(capability, salt=_CHANGES_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        raise InvalidToken("bad capability") from None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise InvalidToken("bad capability")
    return data["s"]


def callback_signature(document_id: int) -> str:
    """The per-document value in callbackUrl (never a session token: DocumentServer#405)."""
    return signing.Signer(salt=_CALLBACK_SALT).signature(str(document_id))


def check_callback_signature(document_id: int, value: str) -> bool:
    return constant_time_compare(callback_signature(document_id), value or "")


def callback_url(document: Document, *, base_url: str) -> str:
    return base_url + reverse("ged:onlyoffice_callback", args=[document.pk, callback_signature(document.pk)])


# --- Editor config --------------------------------------------------------------------------------------


def may_edit(user, document: Document, access=None) -> bool:
    """GED permission to add versions, and no check-out held by someone else."""
    access = access or document_access(user, document)
    return bool(access.abilities.get("upload_version"))


def editor_config(
    document: Document, user, *, base_url: str, access=None, key: EditorKey | None = None
) -> dict:
    """The whole DocsAPI config, signed into `token`. Call only after the read permission check."""
    version = document.current_version
    ext = document_extension(document)
    doc_type = document_type(ext)
    if version is None or doc_type is None:
        raise ValueError("document cannot be opened in the editor")
    edit = may_edit(user, document, access)
    key = key or active_key(document)
    lang = (translation.get_language() or settings.LANGUAGE_CODE or "fr")[:2]
    config = {
        "documentType": doc_type,
        "type": "desktop",
        "document": {
            "fileType": ext,
            "key": key.key,
            "title": document.title[:128],
            "url": download_url(version, base_url=base_url),
            "permissions": {
                "edit": edit,
                "download": True,
                "print": True,
                "review": edit,
                "comment": edit,
                "copy": True,
                "fillForms": edit,
                "chat": edit,
            },
            "referenceData": {"fileKey": str(document.pk), "instanceId": base_url},
        },
        "editorConfig": {
            "mode": "edit" if edit else "view",
            "lang": "en" if lang == "en" else "fr",
            "user": {"id": str(user.pk), "name": user.get_full_name() or user.get_username()},
            "customization": {"forcesave": True},
        },
    }
    if edit:
        config["editorConfig"]["callbackUrl"] = callback_url(document, base_url=base_url)
    config["token"] = sign(config)
    return config
