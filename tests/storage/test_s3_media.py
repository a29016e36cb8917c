"""Every other upload on S3: Wagtail images (and their renditions) and documents land in the bucket under the
media prefix, and their URLs stay under MEDIA_URL (the permission-checked views), never a bucket address."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection


def _png(width=40, height=30) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def root_collection(db):
    """Wagtail's root collection (a data migration's row, gone after a transactional test's flush)."""
    return Collection.get_first_root_node() or Collection.add_root(name="Root")


def _keys(server, prefix):
    listing = server.client().list_objects_v2(Bucket=server.bucket, Prefix=f"{prefix}/media/")
    return {
        item["Key"].removeprefix(f"{prefix}/media/"): item["Size"] for item in listing.get("Contents", [])
    }


def test_wagtail_image_and_rendition_land_in_the_bucket(s3, root_collection, tmp_path, settings):
    server, prefix = s3
    settings.MEDIA_ROOT = str(tmp_path / "media")  # must stay empty: nothing is written locally
    data = _png()
    image = get_image_model().objects.create(
        title="Affiche", file=ImageFile(io.BytesIO(data), name="affiche.png")
    )
    rendition = image.get_rendition("width-20")
    keys = _keys(server, prefix)
    assert keys[image.file.name] == len(data)
    assert rendition.file.name in keys and rendition.width == 20
    body = server.client().get_object(Bucket=server.bucket, Key=f"{prefix}/media/{image.file.name}")["Body"]
    assert body.read() == data
    assert image.file.url == f"/fichiers/{image.file.name}"
    assert rendition.url.startswith("/fichiers/images/")
    assert not (tmp_path / "media").exists()
    # Same name again: Django's unique names still apply (no silent overwrite of another agent's file).
    other = get_image_model().objects.create(
        title="Autre", file=ImageFile(io.BytesIO(_png(8, 8)), name="affiche.png")
    )
    assert other.file.name != image.file.name and len(_keys(server, prefix)) == 3


def test_wagtail_document_lands_in_the_bucket(s3, root_collection):
    server, prefix = s3
    document = get_document_model().objects.create(
        title="Règlement", file=ContentFile(b"%PDF-1.4\nreglement\n", name="reglement.pdf")
    )
    assert _keys(server, prefix)[document.file.name] == len(b"%PDF-1.4\nreglement\n")
    with document.file.open("rb") as fh:
        assert fh.read() == b"%PDF-1.4\nreglement\n"
    assert document.file.url.startswith("/fichiers/documents/")
