"""A named hook of the GED: « a version was added to a document ». Sub-apps (circuits) register a receiver
at start-up; `_add_version` calls them inside its transaction, with the document row locked, so whatever a
receiver writes commits or rolls back with the version itself. The GED never imports its receivers."""

from collections.abc import Callable

_receivers: list[Callable] = []


def register(receiver: Callable) -> None:
    """`receiver(*, document, version, author)`; registered once per process (AppConfig.ready)."""
    if receiver not in _receivers:
        _receivers.append(receiver)


def version_added(*, document, version, author) -> None:
    for receiver in _receivers:
        receiver(document=document, version=version, author=author)
