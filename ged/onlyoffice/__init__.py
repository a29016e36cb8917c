"""Adapter of the OnlyOffice Document Server (Docs API): editor config, JWT, keys, callbacks, history.

Protocol facts: ../shared/reference/onlyoffice.md. Settings are read at call time (tests override them):
ONLYOFFICE_URL (off when empty), ONLYOFFICE_INTERNAL_URL, ONLYOFFICE_JWT_SECRET, ONLYOFFICE_JWT_HEADER,
ONLYOFFICE_APP_URL, ONLYOFFICE_MAX_FILE_SIZE, ONLYOFFICE_TIMEOUT, ONLYOFFICE_KEY_PREFIX.

Split by use case: config.py (settings, start-up check, JWT, keys, signed links, editor config),
callbacks.py (SSRF-safe fetch, callback handling), history.py (history panel), commands.py (command service
and the outbox performers of `forcesave` and `drop`). The adapter speaks the protocol; the rows are written
by the GED actions (`ged.online`).
"""

# The adapter's public interface (the contract with the views, the new-document views and the tests).
from .callbacks import FAILED, OK, REFUSED, RETRY, Answer, fetch_and_stage, fetch_from_ds, handle_callback
from .commands import CommandError, command
from .config import (
    DOCUMENT_TYPES,
    KEY_RE,
    FetchRefused,
    InvalidToken,
    active_key,
    app_base_url,
    callback_signature,
    callback_url,
    changes_url,
    check_callback_signature,
    check_settings,
    document_type,
    download_url,
    ds_origins,
    editable,
    editor_config,
    enabled,
    header_name,
    header_token,
    may_edit,
    new_key,
    public_url,
    read_changes_capability,
    read_download_capability,
    secret,
    sign,
    verify,
    verify_request,
)
from .history import history, history_data

__all__ = [
    "DOCUMENT_TYPES",
    "FAILED",
    "KEY_RE",
    "OK",
    "REFUSED",
    "RETRY",
    "Answer",
    "CommandError",
    "FetchRefused",
    "InvalidToken",
    "active_key",
    "app_base_url",
    "callback_signature",
    "callback_url",
    "changes_url",
    "check_callback_signature",
    "check_settings",
    "command",
    "document_type",
    "download_url",
    "ds_origins",
    "editable",
    "editor_config",
    "enabled",
    "fetch_and_stage",
    "fetch_from_ds",
    "handle_callback",
    "header_name",
    "header_token",
    "history",
    "history_data",
    "may_edit",
    "new_key",
    "public_url",
    "read_changes_capability",
    "read_download_capability",
    "secret",
    "sign",
    "verify",
    "verify_request",
]
