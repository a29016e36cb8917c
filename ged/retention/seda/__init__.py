"""SEDA 2.2 transfers out of the GED (issue 18): documents to keep leave as an `ArchiveTransfer` package (a
manifest and the files, as a streamed zip) for the archives' electronic archiving system (As@lae, Vitam...).

The GED prepares and exports transfers; it is not itself an archiving system (no NF Z42-013 claim).
docs/seda.md describes the package and the commands."""

from .items import Hold, TransferItem, document_items
from .manifest import validate_manifest
from .stream import TransferIntegrityError, stream_transfer

__all__ = [
    "Hold",
    "TransferIntegrityError",
    "TransferItem",
    "document_items",
    "stream_transfer",
    "validate_manifest",
]
