"""Client of the Document Server Conversion API (docs/onlyoffice.md, reference §5).

We POST `{"token": JWT(params)}` to `<DS>/converter` (the header token too, for a DS that reads only the
header), once per call of `convert_step`: while `endConvert` is false the page polls a status view that
repeats the same request (never a `sleep` inside a request), then we fetch the result `fileUrl` under the SSRF
rules: only from the configured DS origin(s), no redirects, a size cap and a timeout, streamed to a temp file.
The DS fetches the source through the editor's short-lived signed download link (`ged:onlyoffice_download`),
which also checks the DS's own header JWT."""

import contextlib
import hashlib
import hmac
import os

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from . import onlyoffice, storage
from .models import Version

# Legacy binary formats and the OOXML format « Convertir au format OOXML » turns them into.
LEGACY_TO_OOXML = {"doc": "docx", "xls": "xlsx", "ppt": "pptx"}
# Types « Télécharger en PDF » is offered for.
PDF_SOURCES = {"docx", "xlsx", "pptx", "odt", "ods", "odp", "doc", "xls", "ppt"}


class ConversionError(Exception):
    """A conversion that failed; `message` is the French text to show, `code` the DS error (or None)."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


def _error_message(code: int) -> str:
    messages = {
        -1: _("Le serveur de documents a rencontré une erreur inconnue. Réessayez dans quelques minutes."),
        -2: _("La conversion a pris trop de temps. Réessayez plus tard ou avec un fichier plus petit."),
        -3: _(
            "Le serveur de documents n'a pas pu convertir ce fichier : il est peut-être endommagé. "
            "Ouvrez-le sur votre poste et enregistrez-le à nouveau."
        ),
        -4: _(
            "Le serveur de documents n'a pas pu récupérer le fichier auprès de l'intranet. "
            "Réessayez ; si cela persiste, prévenez le service informatique."
        ),
        -5: _(
            "Ce fichier est protégé par un mot de passe : retirez la protection puis déposez-le à nouveau."
        ),
        -6: _("Le serveur de documents a rencontré une erreur de base de données. Réessayez plus tard."),
        -7: _("La demande de conversion est invalide. Prévenez le service informatique."),
        -8: _(
            "Le serveur de documents a refusé la demande (jeton invalide) : la clé secrète partagée est "
            "mal configurée. Prévenez le service informatique."
        ),
        -9: _("Le serveur de documents ne sait pas convertir ce type de fichier."),
        -10: _("Le fichier est trop volumineux pour être converti par le serveur de documents."),
    }
    return messages.get(code, messages[-1])


def _unavailable() -> ConversionError:
    return ConversionError(
        _("Le serveur de documents ne répond pas. Réessayez dans quelques minutes ou téléchargez le fichier.")
    )


# --- Settings: the editor adapter's (same secret, header, origins and SSRF-safe fetch) -------------------


def enabled() -> bool:
    return onlyoffice.enabled()


def _timeout() -> float:
    return float(getattr(settings, "ONLYOFFICE_TIMEOUT", 30) or 30)


def service_base() -> str:
    """The DS base URL for server-to-server calls: the internal URL when set."""
    return (getattr(settings, "ONLYOFFICE_INTERNAL_URL", "") or onlyoffice.public_url()).rstrip("/")


# --- Conversion -------------------------------------------------------------------------------------------


def conversion_key(version: Version, outputtype: str) -> str:
    """Same content and output -> same key (the DS caches results per key); new content -> new key; the
    instance prefix keeps it apart from other applications sharing the DS. Keyed with the secret so nobody
    can guess the key of someone else's conversion (reference §2)."""
    digest = hmac.new(
        onlyoffice.secret().encode(), f"{version.blob_id}:{outputtype}".encode(), hashlib.sha256
    ).hexdigest()
    prefix = getattr(settings, "ONLYOFFICE_KEY_PREFIX", "") or "ccfi"
    return f"{prefix}-conv-{digest[:48]}"


def _post(params: dict) -> dict:
    key = params["key"]
    try:
        with httpx.Client(follow_redirects=False, timeout=_timeout(), trust_env=False) as client:
            response = client.post(
                f"{service_base()}/converter",
                params={"shardkey": key},
                json={"token": onlyoffice.sign(params)},
                headers={
                    onlyoffice.header_name(): f"Bearer {onlyoffice.sign({'payload': params})}",
                    "Accept": "application/json",
                },
            )
    except (httpx.HTTPError, ImproperlyConfigured):
        raise _unavailable() from None
    if response.status_code != 200:
        raise _unavailable()
    try:
        data = response.json()
    except ValueError:
        raise _unavailable() from None
    if not isinstance(data, dict):
        raise _unavailable()
    return data


def fetch_result(url) -> str:
    """Download a conversion result to a temp file in the blob store's tmp dir and return its path. Only
    from the DS origin(s), no redirects, size-capped, with a timeout; nothing is kept on failure."""
    tmp = storage.new_temp_file()
    try:
        with tmp:
            size = onlyoffice.fetch_from_ds(url if isinstance(url, str) else "", tmp)
        if size == 0:
            raise ConversionError(_("Le résultat de la conversion est vide. Réessayez."))
    except onlyoffice.FetchRefused as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp.name)
        if str(exc) == "too large":
            raise ConversionError(_error_message(-10), code=-10) from None
        raise ConversionError(
            _(
                "Le résultat de la conversion n'a pas pu être récupéré auprès du serveur de documents "
                "(adresse non autorisée ou réponse invalide) : rien n'a été enregistré."
            )
        ) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp.name)
        raise
    return tmp.name


def max_polls() -> int:
    """How many converter calls a conversion may take before it is reported as too slow."""
    return max(1, int(getattr(settings, "ONLYOFFICE_CONVERSION_TRIES", 30)))


def poll_interval() -> float:
    """Seconds the page waits between two status polls (the server never waits)."""
    return max(0.0, float(getattr(settings, "ONLYOFFICE_CONVERSION_INTERVAL", 1.0)))


def convert_step(
    version: Version, *, filetype: str, outputtype: str, title: str, base_url: str, fetch: bool = True
) -> tuple[str | None, int]:
    """ONE request to the converter, never a wait: `(path, 100)` with a temp file of the result (the caller
    deletes or stores it) when the DS has finished (`(None, 100)` without `fetch`), else `(None, percent)`
    with percent < 100; the page polls again later (the DS caches per key, so the same request continues
    the same conversion)."""
    try:
        key = conversion_key(version, outputtype)
    except ImproperlyConfigured:
        raise ConversionError(
            _("La connexion au serveur de documents est mal configurée : prévenez le service informatique.")
        ) from None
    params = {
        "async": True,
        "filetype": filetype,
        "key": key,
        "outputtype": outputtype,
        "title": title[:128],
        "url": onlyoffice.download_url(version, base_url=base_url.rstrip("/")),
    }
    data = _post(params)
    error = data.get("error")
    if error not in (None, 0):
        try:
            code = int(error)
        except (TypeError, ValueError):
            code = -1
        raise ConversionError(_error_message(code), code=code)
    if data.get("endConvert") is True:
        return (fetch_result(data.get("fileUrl")) if fetch else None), 100
    try:
        percent = min(99, max(0, int(data.get("percent") or 0)))
    except (TypeError, ValueError):
        percent = 0
    return None, percent


def too_slow() -> ConversionError:
    return ConversionError(_error_message(-2), code=-2)
