"""Tampering with the blob store the way disk decay or a bad restore would."""

import os

from ged import storage


def blob_file(sha256: str):
    return storage.local_path(sha256)


def flip_byte(sha256: str, offset: int = 100) -> None:
    path = blob_file(sha256)
    os.chmod(path, 0o640)
    with open(path, "r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([byte[0] ^ 0x01]))
