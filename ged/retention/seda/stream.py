"""The transfer package as a streamed zip: manifest first, then each file, stored (not recompressed).

`zipfile` writes into a small sink that the generator drains after each chunk, so memory stays bounded by
one chunk plus the manifest and the zip's central directory (a few hundred bytes per file), whatever the
size of the transfer. The sink cannot seek, so zipfile writes each entry's CRC and sizes after its data
(a data descriptor), which every unzip tool reads.

The manifest states every file's SHA-256 and size before any byte of it is read: those are the stored ones.
Each file is hashed while it is streamed; a file whose bytes do not match stops the stream with
`TransferIntegrityError` before the zip's central directory is written, so no complete package whose
manifest lies can ever come out of it."""

import hashlib
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime

from .items import TransferItem
from .manifest import MANIFEST_NAME, manifest_bytes, validate_manifest, zip_name

CHUNK = 1024 * 1024
ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)


class TransferIntegrityError(Exception):
    """A stored file does not match its stored SHA-256 or size (or is missing): the transfer stops."""

    def __init__(self, item: TransferItem, reason: str):
        self.item = item
        self.reason = reason
        super().__init__(
            f"Transfert interrompu : le fichier du document {item.document_id} ({item.filename}) {reason}. "
            "Aucun paquet n'a été produit ; lancez la vérification d'intégrité (manage.py ged_fixity) et "
            "restaurez le fichier depuis la sauvegarde."
        )


class _Sink:
    """A write-only, non-seekable buffer that zipfile writes into and the generator empties."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def _zipinfo(name: str, when: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def stream_transfer(
    items: list[TransferItem],
    *,
    message_id: str,
    comment: str = "",
    archival_agency: str,
    transferring_agency: str,
    archival_agreement: str = "",
    validate: bool = False,
) -> Iterator[bytes]:
    """The zip of a SEDA 2.2 `ArchiveTransfer` (`manifest.xml` + the files under `content/`), piece by piece.

    With `validate`, the manifest is checked against the SEDA 2.2 schema before the first piece: asking for
    that piece raises `xmlschema.XMLSchemaValidationError` (a ValueError) when it does not conform, so a
    caller that takes the first piece before answering never sends a package the archives would refuse.

    Raises `TransferIntegrityError` (while iterating) when a file is missing or its bytes do not hash to the
    stored SHA-256: the caller must discard what it received (the zip is left without its directory)."""
    items = list(items)
    now = datetime.now(UTC)
    manifest = manifest_bytes(
        items,
        message_id=message_id,
        comment=comment,
        archival_agency=archival_agency,
        transferring_agency=transferring_agency,
        archival_agreement=archival_agreement,
        now=now,
    )
    if validate:
        validate_manifest(manifest)
    sink = _Sink()
    # allowZip64: a transfer may pass 4 GiB; each entry's size is known, so zip64 is used only where needed.
    with zipfile.ZipFile(sink, mode="w", allowZip64=True) as archive:
        archive.writestr(_zipinfo(MANIFEST_NAME, now), manifest)
        yield sink.drain()
        for index, item in enumerate(items, 1):
            # A zip cannot date a file before 1980.
            info = _zipinfo(zip_name(index, item), max(item.created.astimezone(UTC), ZIP_EPOCH))
            info.file_size = item.size
            digest = hashlib.sha256()
            read = 0
            try:
                source = item.open()
            except FileNotFoundError:
                raise TransferIntegrityError(item, "est introuvable dans le stockage") from None
            with source, archive.open(info, "w", force_zip64=item.size >= zipfile.ZIP64_LIMIT) as entry:
                while chunk := source.read(CHUNK):
                    read += len(chunk)
                    if read > item.size:
                        raise TransferIntegrityError(item, "est plus long que la taille enregistrée")
                    digest.update(chunk)
                    entry.write(chunk)
                    yield sink.drain()
                if read != item.size:
                    raise TransferIntegrityError(item, "est plus court que la taille enregistrée")
                if digest.hexdigest() != item.sha256:
                    raise TransferIntegrityError(
                        item, "ne correspond plus à son empreinte SHA-256 enregistrée (contenu altéré)"
                    )
    # Closing the archive wrote the central directory.
    yield sink.drain()
