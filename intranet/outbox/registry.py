"""The kinds of outbox rows, registered by the apps that perform them (AppConfig.ready); the core never
imports an app.

A kind names its `queue`: the process that performs it. The `default` queue is run by
`manage.py outbox_worker` (the task worker's host); an app with a long-lived connection of its own runs
its queue itself (chat's `matrix` queue runs in `manage.py matrix_bridge`, the only process that talks to
Synapse).

`perform(payload, **context)` does the side effect and returns normally on success; any exception is a
failure, recorded and retried later with backoff. It must be idempotent: a row may be performed again after a
crash between the side effect and the row being marked done. The process running the queue decides the
context it passes (the bridge passes `bridge=`) and whether `perform` is a coroutine function.
"""

from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_QUEUE = "default"


@dataclass(frozen=True)
class OutboxKind:
    name: str
    perform: Callable
    queue: str = DEFAULT_QUEUE
    label: str = ""  # shown to IT; defaults to the name


_kinds: dict[str, OutboxKind] = {}


def register_kind(*, name: str, perform: Callable, queue: str = DEFAULT_QUEUE, label: str = "") -> None:
    _kinds[name] = OutboxKind(name=name, perform=perform, queue=queue, label=label or name)


def unregister_kind(name: str) -> None:
    """For tests that register a throwaway kind."""
    _kinds.pop(name, None)


def get_kind(name: str) -> OutboxKind | None:
    return _kinds.get(name)


def kinds(queue: str | None = None) -> list[OutboxKind]:
    return sorted((k for k in _kinds.values() if queue is None or k.queue == queue), key=lambda k: k.name)
