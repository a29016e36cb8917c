"""Serving a version's bytes: X-Accel-Redirect in production, a presigned S3 GET (or nginx relaying it) when
the blobs are in a bucket, otherwise a streaming response that reads in chunks (an async generator under
ASGI, so nothing is buffered whole), with Range, ETag and safe headers."""

import asyncio
import contextlib
import io
import os
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.translation import gettext as _

from . import storage
from .models import Version
from .names import content_disposition

INLINE_SAFE = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"}
_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")


def _bytes_pos(digits: str) -> int:
    # int() of thousands of digits is slow, then refused (a ValueError); no file has 2**63 bytes, so any
    # longer number is simply "beyond the end".
    return int(digits) if len(digits) <= 19 else 2**63


def _parse_range(header: str, size: int):
    """(start, end) inclusive, None for "whole file", or "invalid" for 416. Multiple ranges -> whole file."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = _bytes_pos(last)
        if length == 0:
            return "invalid"
        return max(0, size - length), size - 1
    start = _bytes_pos(first)
    end = _bytes_pos(last) if last else size - 1
    if start >= size or end < start:
        return "invalid"
    return start, min(end, size - 1)


def _s3_response(presigned: str, headers: dict) -> HttpResponse:
    """The bytes come from the bucket, never through this process: a redirect to the presigned GET (which
    makes S3 answer with our Content-Disposition and Content-Type; the browser sends its Range there), or,
    with S3_PROXY_THROUGH_NGINX, an X-Accel-Redirect to nginx's internal location that relays the same
    signed request to the store: `<S3_NGINX_PREFIX>/<bucket>/<key>?<signed query>`."""
    if settings.S3_PROXY_THROUGH_NGINX:
        url = urlsplit(presigned)
        response = HttpResponse()
        for k, v in headers.items():
            response[k] = v
        response["X-Accel-Redirect"] = f"{settings.S3_NGINX_PREFIX}{url.path}?{url.query}"
        return response
    response = HttpResponseRedirect(presigned)
    # The URL expires within S3_PRESIGN_SECONDS: nobody may keep the redirect.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _sync_chunks(sha: str, start: int, length: int, chunk: int):
    with storage.blob_read_range(sha, start, length) as fh:
        remaining = length
        while remaining > 0:
            data = fh.read(min(chunk, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data


# How much one thread hop reads (several chunks): the hop's fixed cost (executor submit, thread and loop
# wake-ups) is paid once per READ_AHEAD_BYTES instead of once per chunk (B3b).
READ_AHEAD_BYTES = 2 * 1024 * 1024


def _read_into(fh, buffers: list[bytearray], remaining: int) -> list[int]:
    """Fill the buffers in turn (the last one partly at the end); how many bytes each received."""
    sizes = []
    readinto = getattr(fh, "readinto", None)
    for buf in buffers:
        if remaining <= 0:
            break
        view = memoryview(buf)[: min(len(buf), remaining)]
        got = 0
        while got < len(view):
            if readinto is not None:
                n = readinto(view[got:])
            else:  # a stream without readinto (botocore's StreamingBody)
                data = fh.read(len(view) - got)
                n = len(data)
                view[got : got + n] = data
            if not n:
                break
            got += n
        if got:
            sizes.append(got)
            remaining -= got
        if got < len(view):
            break
    return sizes


def _advise_sequential(fh, start: int, length: int) -> None:
    """Ask the kernel for a long readahead on a local file (a cold page cache reads ahead further)."""
    # An S3 stream has no file descriptor; some systems have no fadvise.
    with contextlib.suppress(AttributeError, OSError, ValueError, io.UnsupportedOperation):
        os.posix_fadvise(fh.fileno(), start, length, os.POSIX_FADV_SEQUENTIAL)


def _open_range(sha: str, start: int, length: int):
    fh = storage.blob_read_range(sha, start, length)
    _advise_sequential(fh, start, length)
    return fh


async def _async_chunks(sha: str, start: int, length: int, chunk: int):
    """Read off the event loop, several chunks per thread hop and one batch ahead: the next batch is read in
    a thread while the current one is sent, so the hop costs no time on the wire (B3b).

    The thread reads into two sets of buffers allocated once per download, and each part is copied into a
    bytes object here, on the event loop's thread. A `read()` in the thread would allocate every part there
    and free it here: glibc then hands each new part fresh pages from the thread's arena, one page fault per
    4 KiB (31,000 per 256 MiB against 1,300 for the bare streamer, 2.5x its CPU). A copy out of a warm buffer
    costs less than those faults. Memory: 2 x READ_AHEAD_BYTES, plus the parts in flight."""
    count = max(1, READ_AHEAD_BYTES // chunk)
    sets = [[bytearray(chunk) for _ in range(count)] for _ in range(2)]
    fh = await asyncio.to_thread(_open_range, sha, start, length)
    pending = None
    try:
        remaining, current = length, 0
        pending = asyncio.ensure_future(asyncio.to_thread(_read_into, fh, sets[current], remaining))
        while True:
            sizes = await pending
            if not sizes:
                break
            filled = sets[current]
            remaining -= sum(sizes)
            short = sum(sizes) < len(filled) * chunk and remaining > 0  # the file ended early
            current = 1 - current
            pending = (
                asyncio.ensure_future(asyncio.to_thread(_read_into, fh, sets[current], remaining))
                if remaining > 0 and not short
                else None
            )
            for buf, size in zip(filled, sizes, strict=False):
                yield bytes(memoryview(buf)[:size])
            if pending is None:
                break
    finally:
        if pending is not None and not pending.done():
            # The client went away mid-download: let the read in flight finish before closing its file.
            await asyncio.wait([pending])
        await asyncio.to_thread(fh.close)


def serve_version(request, version: Version, *, filename: str, inline: bool = False, framed: bool = False):
    """`framed`: the document page's preview frames the response, so it must come from our origin (no
    redirect to a presigned S3 URL, which the page's `frame-src 'self'` would refuse) and say SAMEORIGIN;
    the caller sets the Content-Security-Policy that lets our pages frame it."""
    etag = f'"{version.blob_id}"'
    safe_inline = inline and version.mime_type in INLINE_SAFE
    headers = {
        "ETag": etag,
        "Content-Disposition": content_disposition(filename, inline=safe_inline),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'none'",
        "Cache-Control": "private, max-age=0, must-revalidate",
        "Accept-Ranges": "bytes",
    }
    if framed:
        headers["X-Frame-Options"] = "SAMEORIGIN"
    content_type = (
        version.mime_type
        if safe_inline or not version.mime_type.startswith("text/")
        else "text/plain; charset=utf-8"
    )
    if version.mime_type.startswith("text/"):
        content_type = f"{version.mime_type}; charset=utf-8"
    if request.headers.get("If-None-Match") in {etag, "*"}:
        response = HttpResponse(status=304)
        for k in ("ETag", "Cache-Control"):
            response[k] = headers[k]
        return response
    presigned = (
        None
        if framed and not settings.S3_PROXY_THROUGH_NGINX
        else storage.blob_presigned_url(
            version.blob_id, disposition=headers["Content-Disposition"], content_type=content_type
        )
    )
    if presigned is not None:
        return _s3_response(presigned, headers)
    if settings.GED_ACCEL_REDIRECT_PREFIX and storage.local_path(version.blob_id) is not None:
        response = HttpResponse(content_type=content_type)
        for k, v in headers.items():
            response[k] = v
        response["X-Accel-Redirect"] = (
            settings.GED_ACCEL_REDIRECT_PREFIX.rstrip("/")
            + "/"
            + storage.blob_name(version.blob_id).removeprefix("blobs/")
        )
        return response
    size = version.size
    rng = None
    if_range = request.headers.get("If-Range")
    if not if_range or if_range == etag:
        rng = _parse_range(request.headers.get("Range", ""), size)
    if rng == "invalid":
        response = HttpResponse(
            _("La plage demandée (en-tête Range) est hors du fichier : téléchargez le fichier entier."),
            status=416,
            content_type="text/plain; charset=utf-8",
        )
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = rng if rng else (0, size - 1)
    length = end - start + 1
    chunk = settings.GED_DOWNLOAD_CHUNK_KB * 1024
    if isinstance(request, ASGIRequest):
        body = _async_chunks(version.blob_id, start, length, chunk)
    else:
        body = _sync_chunks(version.blob_id, start, length, chunk)
    response = StreamingHttpResponse(body, content_type=content_type, status=206 if rng else 200)
    for k, v in headers.items():
        response[k] = v
    response["Content-Length"] = str(length)
    if rng:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def _sync_file_chunks(fh, chunk: int):
    try:
        while data := fh.read(chunk):
            yield data
    finally:
        fh.close()


async def _async_file_chunks(fh, chunk: int):
    try:
        while data := await asyncio.to_thread(fh.read, chunk):
            yield data
    finally:
        await asyncio.to_thread(fh.close)


def stream_open_file(request, fh, *, content_type: str, headers: dict) -> StreamingHttpResponse:
    """Stream a file we hold open (a conversion result already unlinked from its temp dir) in chunks: an
    async generator under ASGI (FileResponse would be iterated synchronously there, a worker thread per
    download), a plain generator under WSGI. The response closes the file."""
    chunk = settings.GED_DOWNLOAD_CHUNK_KB * 1024
    size = os.fstat(fh.fileno()).st_size
    body = _async_file_chunks(fh, chunk) if isinstance(request, ASGIRequest) else _sync_file_chunks(fh, chunk)
    response = StreamingHttpResponse(body, content_type=content_type)
    for k, v in headers.items():
        response[k] = v
    response["Content-Length"] = str(size)
    return response
