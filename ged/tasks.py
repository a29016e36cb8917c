"""Background tasks: load by id, call the action."""

import os
import tempfile

from django_tasks import task

from . import storage
from .actions import document_text_update
from .extract import extract
from .models import Version
from .names import extension


@task()
def extract_text(version_id: int) -> None:
    version = Version.objects.select_related("document").filter(pk=version_id).first()
    if version is None:
        return
    path = storage.local_path(version.blob_id)
    temp = None
    if path is None:  # remote storage: copy to a temp file first
        with (
            storage.blob_open(version.blob_id) as src,
            tempfile.NamedTemporaryFile(dir=storage.tmp_dir(), delete=False) as dst,
        ):
            while chunk := src.read(1024 * 1024):
                dst.write(chunk)
            temp = path = dst.name
    try:
        text = extract(
            str(path), extension(version.document.title) or extension(version.original_name), version.size
        )
    finally:
        if temp:
            os.unlink(temp)
    document_text_update(document_id=version.document_id, version_number=version.number, text=text)
