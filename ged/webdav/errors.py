"""DAV errors whose body is a French sentence (text/plain); the mapping of the GED's refusals onto them."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from wsgidav.dav_error import (
    HTTP_CONFLICT,
    HTTP_FORBIDDEN,
    HTTP_LOCKED,
    HTTP_MEDIATYPE_NOT_SUPPORTED,
    HTTP_NOT_FOUND,
    HTTP_REQUEST_ENTITY_TOO_LARGE,
    DAVError,
)

from ..actions import StaleVersion
from ..removal_hooks import RemovalRefused

# ValidationError codes of the upload path (ged/uploads.py, ged/antivirus.py) and the status they answer.
UPLOAD_STATUS = {
    "too_big": HTTP_REQUEST_ENTITY_TOO_LARGE,
    "antivirus_too_big": HTTP_REQUEST_ENTITY_TOO_LARGE,
    "forbidden_type": HTTP_MEDIATYPE_NOT_SUPPORTED,
    "mismatch": HTTP_MEDIATYPE_NOT_SUPPORTED,
    "zip_bomb": HTTP_MEDIATYPE_NOT_SUPPORTED,
    "zip_invalid": HTTP_MEDIATYPE_NOT_SUPPORTED,
    "zip_unsafe": HTTP_MEDIATYPE_NOT_SUPPORTED,
    "pixels": HTTP_MEDIATYPE_NOT_SUPPORTED,
}


class FrenchDAVError(DAVError):
    """A DAVError answered with `message` as a French plain-text body (clients such as Explorer show it)."""

    def __init__(self, status_code, message: str, **kwargs):
        super().__init__(status_code, message, **kwargs)
        self.message = message

    def get_response_page(self):
        if self.err_condition:
            return super().get_response_page()
        return "text/plain; charset=utf-8", (self.message + "\n").encode("utf-8")


def forbidden(message: str | None = None) -> FrenchDAVError:
    return FrenchDAVError(
        HTTP_FORBIDDEN,
        message or _("Vos droits sur cet emplacement ne permettent pas cette opération."),
    )


def not_found() -> FrenchDAVError:
    return FrenchDAVError(HTTP_NOT_FOUND, _("Cet élément n'existe pas ou vous n'y avez pas accès."))


def locked(message: str | None = None) -> FrenchDAVError:
    return FrenchDAVError(
        HTTP_LOCKED,
        message
        or _("Ce document est réservé par quelqu'un d'autre : attendez qu'il soit libéré puis réessayez."),
    )


def from_validation(exc: ValidationError) -> FrenchDAVError:
    """A GED refusal (upload checks, names, rules): 413 or 415 for the content, 409 for a removal a guard
    refused (a legal hold: the document's state, not the agent's rights, as the API answers), 403 for
    anything else."""
    code = getattr(exc, "code", None)
    if code is None and hasattr(exc, "error_list") and exc.error_list:
        code = exc.error_list[0].code
    message = " ".join(str(m) for m in exc.messages) or _("Opération refusée.")
    if isinstance(exc, RemovalRefused):
        return FrenchDAVError(HTTP_CONFLICT, message)
    return FrenchDAVError(UPLOAD_STATUS.get(code, HTTP_FORBIDDEN), message)


def from_stale(exc: StaleVersion) -> FrenchDAVError:
    return FrenchDAVError(409, exc.message)
