"""Pages the automated checks visit beyond the fixed list: detail pages that need an object the agent may
see (a document, a salon, a room). Apps register a resolver at start-up, as for dashboard panels, so the core
never imports them; a resolver returns [(path, label)] for the given agent, or [] when there is nothing."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SamplePages:
    key: str
    resolve: Callable[[object], list[tuple[str, str]]]
    order: int = 100


_samples: dict[str, SamplePages] = {}


def register_sample_pages(*, key: str, resolve: Callable, order: int = 100) -> None:
    _samples[key] = SamplePages(key=key, resolve=resolve, order=order)


def sample_pages(user) -> list[tuple[str, str]]:
    pages = []
    for sample in sorted(_samples.values(), key=lambda s: (s.order, s.key)):
        pages.extend(sample.resolve(user))
    return pages
