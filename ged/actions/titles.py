"""The title-collision rule, in one place: a folder holds one live document per name, names compared by
`names.title_key` (NFC + casefold), held by the partial unique index `ged_document_live_title_unique`.

What each write does with a collision:
- an upload with a taken name becomes a new version of that document (`document_upload`);
- a rename, a move, a conversion or « Créer un document » is refused with a French message;
- a restore from the trash takes a free name, « Note (restauré 2026-12-05 0930).txt », then « … (2) … ».
A concurrent write that slips between the check and the insert meets the index: `title_guard` turns that
IntegrityError into the same refusal (never a 500); callers that prefer a suffix or a version retry.
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import LIVE_TITLE_CONSTRAINT, Document


def live_namesake(folder_id: int, title: str, *, exclude_pk: int | None = None) -> Document | None:
    """The live document of the folder whose name collides with `title`, if any (a WebDAV placeholder
    holds its name too: an upload of that name becomes its first version, under its check-out rule)."""
    found = Document.objects.untrashed().titled(title).filter(folder_id=folder_id)
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found.first()


def title_taken(folder_id: int, title: str, *, exclude_pk: int | None = None) -> bool:
    found = Document.objects.untrashed().titled(title).filter(folder_id=folder_id)
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found.exists()


def title_taken_message(title: str) -> str:
    return _("Un document « %(name)s » existe déjà dans ce dossier : choisissez un autre nom.") % {
        "name": title
    }


def title_check(folder_id: int, title: str, *, exclude_pk: int | None = None, message: str = "") -> None:
    """Refuse (ValidationError) a name already used by a live document of the folder."""
    if title_taken(folder_id, title, exclude_pk=exclude_pk):
        raise ValidationError(message or title_taken_message(title))


def with_suffix(title: str, suffix: str) -> str:
    """« Note.txt » + « 2 » -> « Note (2).txt »: the suffix goes before the extension."""
    stem, dot, ext = title.rpartition(".")
    return f"{stem} ({suffix}).{ext}" if dot and stem else f"{title} ({suffix})"


def free_title(folder_id: int, title: str, *, label: str, exclude_pk: int | None = None) -> str:
    """`title` if no live document of the folder uses it, else « title (label) », « title (label 2) »…"""
    candidate, n = title, 1
    while title_taken(folder_id, candidate, exclude_pk=exclude_pk):
        n += 1
        candidate = with_suffix(title, label if n == 2 else f"{label} {n - 1}")
    return candidate


def is_title_collision(exc: IntegrityError) -> bool:
    """The database refused a second live document of that name in the folder (PostgreSQL names the index,
    SQLite the columns)."""
    text = str(exc)
    return LIVE_TITLE_CONSTRAINT in text or "ged_document.title_key" in text


@contextmanager
def title_guard(title: str, *, message: str = ""):
    """Run a document write in a savepoint; a collision with a concurrent write becomes the French refusal
    (ValidationError), other integrity errors propagate."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if not is_title_collision(exc):
            raise
        raise ValidationError(message or title_taken_message(title)) from None
