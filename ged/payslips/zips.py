"""All of an agent's payslips as one zip, streamed: each file read from the store in chunks and written into
a zip stream that is never seekable (data descriptors), so memory stays at one chunk whatever the count."""

import zipfile

from django.http import StreamingHttpResponse

from ged import storage

CHUNK = 256 * 1024


class _Sink:
    """A write-only, unseekable file: zipfile writes into it, the generator takes what was written."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.offset = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def zip_chunks(payslips):
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        used: set[str] = set()
        for payslip in payslips:
            name = f"{payslip.period:%Y}/bulletin-{payslip.period:%Y-%m}.pdf"
            if name in used:
                name = f"{payslip.period:%Y}/bulletin-{payslip.period:%Y-%m}-{payslip.pk}.pdf"
            used.add(name)
            info = zipfile.ZipInfo(name, date_time=payslip.deposited_at.timetuple()[:6])
            with archive.open(info, "w", force_zip64=False) as entry, storage.blob_open(payslip.sha256) as fh:
                while data := fh.read(CHUNK):
                    entry.write(data)
                    if sink.offset:
                        yield sink.take()
            yield sink.take()
    yield sink.take()


def zip_response(payslips, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(zip_chunks(list(payslips)), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
