"""django-storages' S3Storage, with what the intranet needs on top: a refusal to start on a half-given
configuration, timeouts, an outage raised as StorageUnavailable, and the streaming verbs the GED uses
(HEAD, multipart upload from a file, ranged streaming reads, presigned GETs, listing)."""

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime

from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from storages.backends.s3 import S3Storage

from intranet.ops.errors import StorageUnavailable

from .config import s3_problems

MB = 1024 * 1024
_CLIENT_LOCK = threading.Lock()


def _status(exc: ClientError) -> int:
    return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0


@contextlib.contextmanager
def outage_as_unavailable():
    """A store that does not answer (connection refused or cut, timeout) or answers 5xx is an outage:
    StorageUnavailable. A 4xx is the caller's business (404 = absent) and passes through."""
    try:
        yield
    except ClientError as exc:
        if _status(exc) >= 500:
            raise StorageUnavailable(str(exc)) from exc
        raise
    except (BotoCoreError, S3UploadFailedError) as exc:
        # S3UploadFailedError: boto3's upload_file gave up (a part refused or cut), the store's side.
        raise StorageUnavailable(str(exc)) from exc


class IntranetS3Storage(S3Storage):
    def __init__(self, **options):
        problems = s3_problems()
        if problems:
            raise ImproperlyConfigured(" ".join(message for _name, message in problems))
        options.setdefault(
            "client_config",
            Config(
                s3={"addressing_style": options.get("addressing_style") or "path"},
                signature_version="s3v4",
                connect_timeout=settings.S3_TIMEOUT_SECONDS,
                read_timeout=settings.S3_TIMEOUT_SECONDS,
                retries={"max_attempts": 2, "mode": "standard"},
                # Plain Content-MD5/SigV4 payloads, which every S3-compatible store accepts (the default
                # CRC trailers of recent botocore are not understood everywhere).
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        chunk = settings.S3_MULTIPART_CHUNK_MB * MB
        # Parts are read from the file as they are sent; two in flight at most bound the memory.
        options.setdefault(
            "transfer_config",
            TransferConfig(multipart_threshold=chunk, multipart_chunksize=chunk, max_concurrency=2),
        )
        # An S3File spools what it reads: to disk past 1 MiB, never the whole object in memory.
        options.setdefault("max_memory_size", MB)
        super().__init__(**options)

    @property
    def client(self):
        """One low-level client per store and process, shared by every thread (boto3's clients are
        thread-safe, its resources are not). django-storages keeps its resource, and so its client, per
        thread, and under ASGI each request runs its sync code in a thread of its own: every request built a
        client again, 80-380 ms of loading the service model on a loaded machine, before a presigned
        redirect that takes a millisecond to sign (bench/b3a_nginx.py --s3 prints the 302's time)."""
        client = self.__dict__.get("_shared_client")
        if client is None:
            with _CLIENT_LOCK:
                client = self.__dict__.get("_shared_client")
                if client is None:
                    client = self.__dict__["_shared_client"] = self.connection.meta.client
        return client

    def key(self, name: str) -> str:
        return self._normalize_name(name)

    def head(self, name: str) -> dict | None:
        """The object's metadata (ContentLength, LastModified...), or None when there is none: one HEAD."""
        with outage_as_unavailable():
            try:
                return self.client.head_object(Bucket=self.bucket_name, Key=self.key(name))
            except ClientError as exc:
                if _status(exc) == 404:
                    return None
                raise

    def head_size(self, name: str) -> int | None:
        meta = self.head(name)
        return None if meta is None else meta["ContentLength"]

    def put_file(
        self, name: str, path, *, content_type: str = "application/octet-stream", metadata: dict | None = None
    ) -> None:
        """Upload a file from disk, in parts for a large one, reading each part as it is sent. S3 makes an
        object visible only when its PUT (or CompleteMultipartUpload) succeeds: an interrupted upload leaves
        nothing under `name` (tests/storage/test_s3_blobs.py checks it on SeaweedFS)."""
        with outage_as_unavailable():
            self.client.upload_file(
                str(path),
                self.bucket_name,
                self.key(name),
                ExtraArgs={"ContentType": content_type, "Metadata": metadata or {}},
                Config=self.transfer_config,
            )

    def open_stream(self, name: str, start: int = 0, length: int | None = None):
        """A streaming body of the object (a ranged GET when `start`/`length` ask for part of it): read(n)
        returns at most n bytes, nothing is read ahead."""
        params = {"Bucket": self.bucket_name, "Key": self.key(name)}
        if start or length is not None:
            end = "" if length is None else str(start + length - 1)
            params["Range"] = f"bytes={start}-{end}"
        with outage_as_unavailable():
            try:
                return self.client.get_object(**params)["Body"]
            except ClientError as exc:
                if _status(exc) == 404:
                    raise FileNotFoundError(name) from exc
                raise

    def presigned_get(
        self, name: str, *, disposition: str = "", content_type: str = "", expire: int | None = None
    ) -> str:
        """A GET URL signed for `expire` seconds (S3_PRESIGN_SECONDS), that makes the store answer with
        these Content-Disposition and Content-Type headers. Signing is local: no request is made."""
        params = {"Bucket": self.bucket_name, "Key": self.key(name)}
        if disposition:
            params["ResponseContentDisposition"] = disposition
        if content_type:
            params["ResponseContentType"] = content_type
        return self.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expire or settings.S3_PRESIGN_SECONDS
        )

    def iter_objects(self, prefix: str = "") -> Iterator[tuple[str, int, datetime]]:
        """(name relative to the storage's location, size, last modified) of every object under `prefix`."""
        strip = self.location.rstrip("/") + "/" if self.location else ""
        base = strip + prefix.lstrip("/")
        paginator = self.client.get_paginator("list_objects_v2")
        with outage_as_unavailable():
            for page in paginator.paginate(Bucket=self.bucket_name, Prefix=base):
                for entry in page.get("Contents", ()):
                    yield entry["Key"].removeprefix(strip), entry["Size"], entry["LastModified"]

    def abort_stale_uploads(self, older_than: datetime) -> int:
        """Abort the multipart uploads under this storage's location begun before `older_than` and never
        completed: a worker killed mid-upload (kill -9, OOM, power cut) leaves its parts in the bucket,
        invisible under any key yet stored and billed. Returns how many were aborted (ged_cleanup)."""
        prefix = self.location.rstrip("/") + "/" if self.location else ""
        aborted = 0
        paginator = self.client.get_paginator("list_multipart_uploads")
        with outage_as_unavailable():
            for page in paginator.paginate(Bucket=self.bucket_name, Prefix=prefix):
                for upload in page.get("Uploads", ()):
                    if upload["Initiated"] > older_than:
                        continue  # may still be running
                    try:
                        self.client.abort_multipart_upload(
                            Bucket=self.bucket_name, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
                    except ClientError as exc:
                        if _status(exc) == 404:  # completed or aborted meanwhile
                            continue
                        raise
                    aborted += 1
        return aborted

    def delete(self, name):
        with outage_as_unavailable():
            self.client.delete_object(Bucket=self.bucket_name, Key=self.key(name))

    def bucket_ready(self) -> bool:
        """One HEAD of the bucket: the readiness check."""
        with outage_as_unavailable():
            self.client.head_bucket(Bucket=self.bucket_name)
        return True


class BlobS3Storage(IntranetS3Storage):
    """The GED's blob store: names are hashes generated by ged/storage.py, the same name is the same bytes."""


class MediaS3Storage(IntranetS3Storage):
    """Every other upload (Wagtail images and documents). Its URLs stay under MEDIA_URL, where the intranet's
    permission-checked views answer (intranet/views.py), never a bucket address baked into a page."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        from django.utils.encoding import filepath_to_uri

        return settings.MEDIA_URL + filepath_to_uri(name)
