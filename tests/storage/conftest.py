"""Object storage tests: the session's SeaweedFS (tests/seaweed.py) and the GED fixtures."""

import pytest

from tests.ged.conftest import _ged_media, manager, space, upload  # noqa: F401  (pytest fixtures)
from tests.seaweed import seaweed, use_s3  # noqa: F401  (pytest fixture)


@pytest.fixture
def s3(settings, seaweed):  # noqa: F811
    """Uploads and GED blobs on the session's SeaweedFS, under a key prefix of this test's own."""
    prefix = use_s3(settings, seaweed)
    return seaweed, prefix


class S3Calls:
    """Counts the S3 operations a storage client sends (HeadObject, PutObject, UploadPart...)."""

    def __init__(self, client):
        self.names: list[str] = []
        client.meta.events.register("before-call.s3", self._record)

    def _record(self, model, **kwargs):
        self.names.append(model.name)

    def count(self, name: str) -> int:
        return self.names.count(name)

    def clear(self):
        self.names.clear()
