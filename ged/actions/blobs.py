"""Content-addressed file storage: reuse under a row lock, sweeping unreferenced blobs."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .. import storage
from ..models import (
    Blob,
    Version,
)
from ..uploads import StagedFile

# --- Documents and versions -----------------------------------------------------------------------------


def _blob_for(staged: StagedFile) -> Blob:
    """Store the staged bytes under their hash (deduplicated) and return the Blob row, locked until the
    caller's transaction ends (if it rolls back, a new file becomes an orphan that ged_cleanup removes).

    The lock is what keeps ged_cleanup away: it skips locked rows, and it removes a file only while holding
    that hash's key itself (`blob_file_remove`), so the file checked here cannot vanish before our version
    commits.
    An existing row whose file is missing (swept or lost) gets the staged bytes written again."""
    for _attempt in range(5):
        blob = Blob.objects.select_for_update().filter(sha256=staged.sha256).first()
        if blob is None:
            try:
                with transaction.atomic():
                    # A new row is "locked" too: any other insert of this key (an upload, ged_cleanup's
                    # claim) waits for our transaction to end.
                    blob = Blob.objects.create(sha256=staged.sha256, size=staged.size)
            except IntegrityError:
                continue  # created (or claimed by ged_cleanup) meanwhile: lock that row instead
        break
    else:
        raise ValidationError(_("Le fichier n'a pas pu être enregistré : réessayez dans un instant."))
    # Deduplicated inside: a blob already stored (a local file, or an S3 object of the right size after one
    # HEAD) is not written again.
    storage.blob_put(staged.sha256, staged.path)
    return blob


def blobs_sweep(*, older_than: datetime) -> list[str]:
    """Delete the Blob rows no version uses, created before `older_than` (so the row of an upload in
    progress is never taken), then their files once the deletion has committed. Rows locked by an upload
    reusing them are skipped (`skip_locked`); each file goes only through `blob_file_remove`. Returns the
    hashes whose rows were deleted."""
    with transaction.atomic():
        candidates = list(
            Blob.objects.select_for_update(skip_locked=True)
            .filter(created_at__lte=older_than)
            .exclude(sha256__in=Version.objects.values("blob_id"))
            .values_list("sha256", flat=True)
        )
        # Checked again now that the rows are locked: a version committed after the statement above
        # started would not have been seen by it. Any other model's foreign key to Blob (payslips, their
        # quarantine) keeps its blobs too.
        used = set()
        for relation in Blob._meta.get_fields(include_hidden=True):
            if relation.auto_created and not relation.concrete and relation.field.many_to_one:
                field = relation.field.attname
                used.update(
                    relation.related_model._base_manager.filter(**{f"{field}__in": candidates}).values_list(
                        field, flat=True
                    )
                )
        orphans = [sha for sha in candidates if sha not in used]
        Blob.objects.filter(sha256__in=orphans).delete()
        # After the outermost commit (even when called inside a caller's transaction): a rolled-back
        # deletion must find its files still there.
        transaction.on_commit(lambda: [blob_file_remove(sha) for sha in orphans])
    return orphans


def blob_file_remove(sha256: str) -> bool:
    """Remove a blob's file unless a Blob row holds it. The hash's key is claimed with a row inserted and
    deleted in the same transaction: an upload holding that row (even uncommitted) makes the claim fail
    and the file stays; an upload arriving meanwhile waits for the claim to end, finds the file gone and
    writes it again (`_blob_for`). False when the file was kept."""
    try:
        with transaction.atomic():
            Blob.objects.create(sha256=sha256, size=0)
            storage.blob_delete(sha256)
            Blob.objects.filter(sha256=sha256).delete()
    except IntegrityError:
        return False
    from ..preview import cached_pdf_delete  # noqa: PLC0415 - ged.preview reaches the OnlyOffice adapter

    cached_pdf_delete(sha256)  # its PDF preview (office files), if one was made
    return True
