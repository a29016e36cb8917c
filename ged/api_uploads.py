"""/api/v1/ged/uploads: resumable uploads, the path the drag-and-drop uploader uses (under the browser's
session) and scripts use (with a personal token).

1. `POST /ged/uploads` with the target, the file name and its size: a session with a server-generated id.
2. `PUT /ged/uploads/{id}` with the raw bytes of the next part; where it starts is given by `Content-Range:
   bytes <début>-<fin>/<taille>` or `?offset=`. A part that does not start at the server's offset gets 409
   with that offset; after a cut connection, `GET /ged/uploads/{id}` says where to resume.
3. `POST /ged/uploads/{id}/finish`: the version is created (rights checked again), the session ends.
`DELETE /ged/uploads/{id}` cancels. Only the session's owner sees it; everyone else gets 404.

The body of a part is read as a stream (under ASGI, `intranet.asgi_handler` hands it over unspooled)."""

import re
from datetime import datetime
from typing import Annotated

from django.core.exceptions import RequestAborted, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from intranet.api_schema import Error, ObjectId, StrictIn

from .actions import (
    IncompleteChunk,
    OffsetMismatch,
    SessionBusy,
    upload_session_cancel,
    upload_session_create,
    upload_session_finish,
    upload_session_write,
)
from .permissions import access_document, access_folder
from .queries import upload_session_for
from .views.common import error_text

router = Router(tags=["GED"])

UploadId = Annotated[str, Field(min_length=20, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
# Sizes in bytes, bounded (JSON numbers beyond 2^53 are not exact, and no file is that large).
Bytes = Annotated[int, Field(ge=0, le=2**53)]
_CONTENT_RANGE = re.compile(r"^bytes (\d{1,16})-(\d{1,16})/(\d{1,16}|\*)$")


class UploadSessionIn(StrictIn):
    folder: ObjectId | None = Field(None, description="Dossier où déposer (nouveau document ou version).")
    document: ObjectId | None = Field(None, description="Document dont ce fichier est une nouvelle version.")
    filename: str = Field(..., min_length=1, max_length=255)
    size: Annotated[int, Field(ge=1, le=2**53)]
    comment: str = Field("", max_length=500)


class UploadSessionOut(Schema):
    id: str
    offset: int = Field(..., description="Octets déjà reçus : la prochaine partie commence là.")
    size: int
    chunk_size: int = Field(..., description="Taille conseillée d'une partie, en octets.")
    chunk_max: int = Field(..., description="Taille maximale d'une partie, en octets.")
    expires_at: datetime
    complete: bool


def _offset_answer(status: int, message: str, offset: int) -> JsonResponse:
    """A refusal that says where the upload stands: the `Error` body plus `offset` (ninja would drop a field
    the declared `Error` schema does not name, so the answer is built here)."""
    return JsonResponse({"detail": message, "offset": offset}, status=status)


class FinishOut(Schema):
    id: int
    title: str
    version: int
    url: str
    download_url: str


def _out(session) -> UploadSessionOut:
    from django.conf import settings

    from .actions.uploads import chunk_max_bytes

    return UploadSessionOut(
        id=session.id,
        offset=session.received,
        size=session.size,
        chunk_size=settings.GED_UPLOAD_CHUNK_MB * 1024 * 1024,
        chunk_max=chunk_max_bytes(),
        expires_at=session.expires_at,
        complete=session.received == session.size,
    )


def _session(request, upload_id):
    try:
        return upload_session_for(request.user, upload_id)
    except Http404:
        raise HttpError(404, "Introuvable.") from None


def _refusal(exc: ValidationError):
    text = error_text(exc)
    return (413 if getattr(exc, "code", "") == "too_big" else 400), {"detail": text}


@router.post(
    "/ged/uploads",
    url_name="ged_upload_session_create",
    response={201: UploadSessionOut, 400: Error, 404: Error, 413: Error},
    summary="Commencer un envoi en plusieurs parties (reprenable)",
    description=(
        "Indiquez `folder` (un dossier : nouveau document, ou nouvelle version du document de même nom) "
        "ou `document` (nouvelle version), le nom et la taille du fichier. Un fichier plus grand que la "
        "limite répond 413."
    ),
)
def session_create(request, payload: UploadSessionIn):
    if (payload.folder is None) == (payload.document is None):
        return 400, {"detail": _("Indiquez soit un dossier, soit un document de destination (un seul).")}
    try:
        if payload.folder is not None:
            folder, document = access_folder(request.user, payload.folder, need="upload").folder, None
        else:
            folder = None
            document = access_document(request.user, payload.document, need="upload_version").document
    except Http404:
        return 404, {"detail": "Introuvable."}
    try:
        session = upload_session_create(
            owner=request.user,
            folder=folder,
            document=document,
            filename=payload.filename,
            size=payload.size,
            comment=payload.comment,
        )
    except ValidationError as exc:
        return _refusal(exc)
    return 201, _out(session)


def _status_headers(response: HttpResponse, session) -> None:
    """What GET and HEAD both say in headers: the bytes received (where the next part starts) and the size."""
    response["Upload-Offset"] = str(session.received)
    response["Upload-Length"] = str(session.size)
    response["Cache-Control"] = "no-store"


@router.get(
    "/ged/uploads/{upload_id}",
    url_name="ged_upload_session",
    response={200: UploadSessionOut, 404: Error},
    summary="Où en est un envoi (pour reprendre après une coupure)",
    description=(
        "Les en-têtes `Upload-Offset` (octets reçus) et `Upload-Length` (taille du fichier) répètent le "
        "corps. `HEAD` sur la même adresse répond les mêmes en-têtes, sans corps (404 de même)."
    ),
)
def session_status(request, response: HttpResponse, upload_id: UploadId):
    session = _session(request, upload_id)
    _status_headers(response, session)
    return 200, _out(session)


# Left out of the schema: it is GET without a body (said in GET's description), and a second operation on
# the path would only make the schema tests fuzz the same lookup again.
@router.api_operation(["HEAD"], "/ged/uploads/{upload_id}", include_in_schema=False)
def session_status_head(request, upload_id: str):
    try:
        session = upload_session_for(request.user, upload_id[:64])
    except Http404:
        return HttpResponse(status=404)
    response = HttpResponse(content_type="application/json")
    _status_headers(response, session)
    return response


def _chunk_start(request, offset, size) -> tuple[int, int]:
    """(start, length) of the part, from Content-Length and Content-Range or `offset`."""
    raw_length = request.META.get("CONTENT_LENGTH") or ""
    if not raw_length.isascii() or not raw_length.isdigit() or len(raw_length) > 16:
        raise HttpError(411, _("Indiquez la longueur de la partie envoyée (en-tête Content-Length)."))
    length = int(raw_length)
    if length == 0:
        raise HttpError(400, _("Cette partie est vide : envoyez les octets du fichier dans le corps."))
    content_range = request.headers.get("Content-Range", "")
    if content_range:
        match = _CONTENT_RANGE.match(content_range.strip())
        if not match:
            raise HttpError(
                400, _("En-tête Content-Range invalide : écrivez « bytes <début>-<fin>/<taille> ».")
            )
        start, end, total = int(match[1]), int(match[2]), match[3]
        if end < start or end - start + 1 != length:
            raise HttpError(400, _("L'en-tête Content-Range ne correspond pas à la longueur de la partie."))
        if total != "*" and int(total) != size:
            raise HttpError(
                400,
                _("L'en-tête Content-Range annonce une autre taille que celle de l'envoi (%(size)s).")
                % {"size": size},
            )
        if offset is not None and offset != start:
            raise HttpError(400, _("Content-Range et offset désignent deux débuts différents."))
        return start, length
    if offset is None:
        raise HttpError(
            400, _("Indiquez où commence cette partie : en-tête Content-Range ou paramètre offset.")
        )
    return offset, length


@router.put(
    "/ged/uploads/{upload_id}",
    url_name="ged_upload_chunk",
    response={200: UploadSessionOut, 400: Error, 404: Error, 409: Error, 411: Error, 413: Error},
    summary="Envoyer une partie du fichier",
    description=(
        "Le corps est la suite du fichier (octets bruts), au plus `chunk_max` octets. Son début est donné "
        "par `Content-Range: bytes <début>-<fin>/<taille>` ou par `offset` ; s'il n'est pas le nombre "
        "d'octets déjà reçus, la réponse est 409 avec `offset`, d'où reprendre."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        },
        "responses": {
            409: {
                "description": "La partie ne commence pas là où en est l'envoi (`offset`), ou un autre "
                "envoi de ce fichier est en cours."
            },
            411: {"description": "En-tête Content-Length manquant."},
        },
    },
)
def session_chunk(request, upload_id: UploadId, offset: Bytes | None = Query(None)):  # noqa: B008
    session = _session(request, upload_id)
    start, length = _chunk_start(request, offset, session.size)
    try:
        session = upload_session_write(session=session, offset=start, length=length, stream=request)
    except OffsetMismatch as exc:
        return _offset_answer(409, exc.message, exc.offset)
    except SessionBusy as exc:
        return 409, {"detail": exc.message}
    except IncompleteChunk as exc:
        return _offset_answer(400, exc.message, exc.offset)
    except RequestAborted:
        # The client went away mid-part (ASGI): what arrived is kept; nobody reads this answer.
        return _offset_answer(400, IncompleteChunk(session.received).message, session.received)
    except ValidationError as exc:
        return _refusal(exc)
    return 200, _out(session)


@router.post(
    "/ged/uploads/{upload_id}/finish",
    url_name="ged_upload_finish",
    response={201: FinishOut, 400: Error, 404: Error, 409: Error},
    summary="Terminer un envoi : le document ou la version est créé",
    description=(
        "Tous les octets annoncés doivent être reçus (sinon 409 avec `offset`). Le droit de déposer est "
        "vérifié de nouveau ; un fichier refusé (contenu, antivirus) met fin à l'envoi (400)."
    ),
)
def session_finish(request, upload_id: UploadId):
    session = _session(request, upload_id)
    try:
        document, version = upload_session_finish(session=session, request=request)
    except Http404:
        return 404, {"detail": "Introuvable."}
    except OffsetMismatch as exc:
        return _offset_answer(409, exc.message, exc.offset)
    except SessionBusy as exc:
        return 409, {"detail": exc.message}
    except ValidationError as exc:
        return 400, {"detail": error_text(exc)}
    return 201, FinishOut(
        id=document.pk,
        title=document.title,
        version=version.number,
        url=reverse("ged:document", args=[document.pk]),
        download_url=reverse("api:ged_download", args=[version.pk]),
    )


@router.delete(
    "/ged/uploads/{upload_id}",
    url_name="ged_upload_cancel",
    response={204: None, 404: Error},
    summary="Annuler un envoi (les octets reçus sont effacés)",
)
def session_cancel(request, upload_id: UploadId):
    upload_session_cancel(session=_session(request, upload_id))
    return 204, None
