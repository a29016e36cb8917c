"""Object storage (issue 15): with S3_BUCKET set, uploaded files (Wagtail images and documents, any FileField)
and the GED's blobs go to an S3 bucket through django-storages; without it, local files as before.

Each variable is documented in one line of .env.example and in docs/deployment.md « Stockage objet (S3) ».
A half-given configuration (a bucket without credentials, credentials without a bucket, a proxy without its
prefix) is refused by the system check intranet.E010 naming the variable (intranet/storage/checks.py), and
the storage itself refuses to start with the same message (`manage.py check` is not run by the workers).
"""

from .env import env

S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="").rstrip("/")
S3_BUCKET = env.str("S3_BUCKET", default="")
S3_ACCESS_KEY_ID = env.str("S3_ACCESS_KEY_ID", default="")
S3_SECRET_ACCESS_KEY = env.str("S3_SECRET_ACCESS_KEY", default="")
S3_REGION = env.str("S3_REGION", default="us-east-1")
# Lifetime of the presigned GET a download answers with (seconds): long enough to start, short enough not to
# be passed around.
S3_PRESIGN_SECONDS = env.int("S3_PRESIGN_SECONDS", default=60)
# "path" (http://endpoint/bucket/key: SeaweedFS, MinIO, Garage, most self-hosted stores) or "virtual".
S3_ADDRESSING_STYLE = env.str("S3_ADDRESSING_STYLE", default="path")
# Key prefixes inside the bucket: the GED's content-addressed blobs, and every other upload.
S3_GED_PREFIX = env.str("S3_GED_PREFIX", default="ged").strip("/")
S3_MEDIA_PREFIX = env.str("S3_MEDIA_PREFIX", default="media").strip("/")
# Downloads through nginx instead of a redirect to the bucket: the app answers
# `X-Accel-Redirect: <S3_NGINX_PREFIX>/<bucket>/<key>?<presigned query>` and nginx's internal location of that
# prefix proxies it to S3_ENDPOINT_URL (docs/deployment.md).
S3_PROXY_THROUGH_NGINX = env.bool("S3_PROXY_THROUGH_NGINX", default=False)
S3_NGINX_PREFIX = env.str("S3_NGINX_PREFIX", default="").rstrip("/")
# Parts of a multipart upload (MiB): the temp file is sent in parts of this size, never read whole.
S3_MULTIPART_CHUNK_MB = env.int("S3_MULTIPART_CHUNK_MB", default=16)
# Seconds to wait for the store to connect or answer before a request is given up (503 page).
S3_TIMEOUT_SECONDS = env.int("S3_TIMEOUT_SECONDS", default=10)

S3_ENABLED = bool(S3_BUCKET)


def _s3_options(prefix: str, **extra) -> dict:
    return {
        "endpoint_url": S3_ENDPOINT_URL or None,
        "bucket_name": S3_BUCKET,
        "access_key": S3_ACCESS_KEY_ID,
        "secret_key": S3_SECRET_ACCESS_KEY,
        "region_name": S3_REGION,
        "addressing_style": S3_ADDRESSING_STYLE,
        "signature_version": "s3v4",
        "location": prefix,
        "querystring_expire": S3_PRESIGN_SECONDS,
        "default_acl": None,
        **extra,
    }


# Entries merged into STORAGES by base.py: "default" (every FileField, Wagtail images and documents) and
# "ged" (the blob store, ged/storage.py) on S3. Other uploads keep Django's unique names; blobs are named
# by their hash, so the same name is the same bytes.
S3_STORAGES = (
    {
        "default": {
            "BACKEND": "intranet.storage.backends.MediaS3Storage",
            "OPTIONS": _s3_options(S3_MEDIA_PREFIX, file_overwrite=False),
        },
        "ged": {"BACKEND": "intranet.storage.backends.BlobS3Storage", "OPTIONS": _s3_options(S3_GED_PREFIX)},
    }
    if S3_ENABLED
    else {}
)
