"""Named hooks of the GED around a document's removal. Sub-apps register at start-up (AppConfig.ready);
the GED never imports them.

- guards, `guard(*, documents, action)`: called before a document is trashed or purged (and before a folder
  holding documents is deleted), inside the action's transaction; a guard refuses by raising
  `RemovalRefused` (a ValidationError: views answer it in French, the API with 409). `action` is one of
  "trash", "purge", "folder_delete", "destroy". `documents` is a queryset or a list of Document.
- listeners, `listener(*, document, actor)`: called after a document was trashed, in the same transaction, so
  whatever they write commits or rolls back with the trash (circuits stop there)."""

from collections.abc import Callable

from django.core.exceptions import ValidationError

_guards: list[Callable] = []
_trashed: list[Callable] = []


class RemovalRefused(ValidationError):
    """A registered guard refused the removal (legal hold…): the message says why, in French."""


def register_guard(guard: Callable) -> None:
    if guard not in _guards:
        _guards.append(guard)


def register_trashed(listener: Callable) -> None:
    if listener not in _trashed:
        _trashed.append(listener)


def check_removal(*, documents, action: str) -> None:
    for guard in _guards:
        guard(documents=documents, action=action)


def document_trashed(*, document, actor) -> None:
    for listener in _trashed:
        listener(document=document, actor=actor)
