"""What a transfer carries: one `TransferItem` per document, built from GED documents in a fixed number of
queries (documents with their current version and blob, then every ancestor folder at once)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import BinaryIO, Literal

from ged import storage
from ged.models import Document, Folder

FinalAction = Literal["Keep", "Destroy"]
# rule_for(document) -> (rule code, start date, "Keep" | "Destroy" | None), or None when no rule applies.
RuleFor = Callable[[Document], "tuple[str, date | None, FinalAction | None] | None"]
# hold_for(document) -> (reason, start date), or None when the document is not under legal hold.
HoldFor = Callable[[Document], "tuple[str, date | None] | None"]


@dataclass(frozen=True)
class Hold:
    """A legal hold (« gel ») on the document, written as a SEDA 2.2 HoldRule."""

    reason: str
    start_date: date | None = None


@dataclass
class TransferItem:
    """One file of a transfer and the metadata of its archive unit.

    `size` and `sha256` are the stored ones: the manifest is written from them before any byte is read, and
    the stream checks the bytes against them. `open` returns the stored blob as a binary file to read."""

    document_id: int
    title: str
    filename: str
    size: int
    sha256: str
    open: Callable[[], BinaryIO]
    created: datetime
    folder_path: list[str] = field(default_factory=list)
    rule_code: str | None = None
    rule_start_date: date | None = None
    final_action: FinalAction | None = None
    hold: Hold | None = None
    mime_type: str = ""


def _opener(sha256: str) -> Callable[[], BinaryIO]:
    return lambda: storage.blob_open(sha256)


def _steplen() -> int:
    return Folder.steplen


def document_items(
    documents: Iterable[Document] | Iterable[int],
    rule_for: RuleFor | None = None,
    *,
    hold_for: HoldFor | None = None,
) -> list[TransferItem]:
    """TransferItems of `documents` (Document objects, a queryset or ids), in the given order where it is a
    list, else by id. Two queries whatever their number (documents + current version + blob, then the
    ancestor folders), plus what `rule_for` / `hold_for` cost. A document without a current version (a
    WebDAV placeholder) has no file and is left out."""
    ids = [getattr(d, "pk", d) for d in documents]
    rows = {
        d.pk: d
        for d in Document.objects.filter(pk__in=ids, current_version__isnull=False).select_related(
            "current_version__blob", "folder"
        )
    }
    docs = [rows[i] for i in dict.fromkeys(ids) if i in rows]
    # Every ancestor of every document's folder, in one query: a folder's ancestors are the prefixes of its
    # materialized path.
    step = _steplen()
    paths = set()
    for doc in docs:
        path = doc.folder.path
        paths.update(path[:n] for n in range(step, len(path) + 1, step))
    names = dict(Folder.objects.filter(path__in=paths).values_list("path", "name")) if paths else {}
    items = []
    for doc in docs:
        version = doc.current_version
        path = doc.folder.path
        rule = rule_for(doc) if rule_for else None
        hold = hold_for(doc) if hold_for else None
        items.append(
            TransferItem(
                document_id=doc.pk,
                title=doc.title,
                filename=version.original_name or doc.title,
                size=version.blob.size,
                sha256=version.blob.sha256,
                open=_opener(version.blob.sha256),
                created=doc.created_at,
                folder_path=[names[path[:n]] for n in range(step, len(path) + 1, step) if path[:n] in names],
                rule_code=rule[0] if rule else None,
                rule_start_date=rule[1] if rule else None,
                final_action=rule[2] if rule else None,
                hold=Hold(reason=hold[0], start_date=hold[1]) if hold else None,
                mime_type=version.mime_type,
            )
        )
    return items
