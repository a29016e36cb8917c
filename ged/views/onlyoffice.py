"""OnlyOffice: the editor page, the Document Server's callback and download endpoints, the history panel.

The callback and download endpoints are called by the Document Server, not by a browser: no session, JWT
instead; a bad token answers 403 (reference §3/§4). Everything else answers 404 for missing and forbidden.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from intranet.params import BadParameter, parse_int, parse_json

from .. import onlyoffice
from ..actions import version_restore
from ..downloads import serve_version
from ..models import OnlineSave, Version
from ..permissions import access_document
from .common import error_text


def _require_enabled():
    if not onlyoffice.enabled():
        raise Http404


def _editor_csp(ds_origin: str) -> str:
    # The strict policy of every page, plus the Document Server for api.js, its frame and its XHRs.
    return (
        f"default-src 'self'; script-src 'self' {ds_origin}; style-src 'self'; img-src 'self' data:; "
        f"font-src 'self'; connect-src 'self' {ds_origin}; frame-src 'self' {ds_origin}; "
        "frame-ancestors 'self'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )


@require_GET
def editor(request, pk):
    _require_enabled()
    access = access_document(request.user, pk, need="read")
    document = access.document
    if not onlyoffice.editable(document):
        raise Http404
    config = onlyoffice.editor_config(
        document, request.user, base_url=onlyoffice.app_base_url(request), access=access
    )
    ds = onlyoffice.public_url()
    options = {
        "config": config,
        "historyUrl": reverse("ged:onlyoffice_history", args=[document.pk]),
        "historyDataUrl": reverse("ged:onlyoffice_history_data", args=[document.pk]),
        "restoreUrl": reverse("ged:onlyoffice_restore", args=[document.pk]),
        "documentUrl": reverse("ged:document", args=[document.pk]),
        "csrfToken": get_token(request),
    }
    response = render(
        request,
        "ged/onlyoffice_editor.html",
        {
            "document": document,
            "space": access.folder_access.space,
            "folder_access": access.folder_access,
            "editing": config["editorConfig"]["mode"] == "edit",
            "api_js": f"{ds}/web-apps/apps/api/documents/api.js",
            "options": options,
        },
    )
    response["Content-Security-Policy"] = _editor_csp(ds)
    return response


def _json_answer(answer: onlyoffice.Answer) -> JsonResponse:
    return JsonResponse(answer.body, status=answer.http_status)


@login_not_required
@csrf_exempt
@require_POST
def callback(request, pk, signature):
    """Status 1/2/3/4/6/7 from the Document Server (reference §3). Trusts only the decoded JWT payload."""
    _require_enabled()
    if not onlyoffice.check_callback_signature(pk, signature):
        return _json_answer(onlyoffice.REFUSED)
    if request.content_type != "application/json":
        return _json_answer(onlyoffice.REFUSED)  # form-urlencoded bodies are refused (DocumentServer#3770)
    try:
        body = parse_json(request.body or b"{}")
    except BadParameter as exc:
        # Nested 100,000 deep or oversize: refused before any token check, with the reason.
        return JsonResponse({"error": onlyoffice.REFUSED.body["error"], "detail": exc.detail}, status=400)
    try:
        payload = onlyoffice.verify_request(body, request.headers)
    except onlyoffice.InvalidToken:
        return _json_answer(onlyoffice.REFUSED)
    return _json_answer(onlyoffice.handle_callback(document_id=pk, payload=payload))


def _forbidden() -> HttpResponse:
    return HttpResponse(status=403, content_type="text/plain; charset=utf-8")


@login_not_required
@require_GET
def download(request, capability):
    """`document.url` and history urls: a short-lived signed capability for one version, AND the Document
    Server's header JWT whose `payload.url` is this very URL."""
    _require_enabled()
    try:
        data = onlyoffice.read_download_capability(capability)
        payload = onlyoffice.verify(onlyoffice.header_token(request.headers))
    except onlyoffice.InvalidToken:
        return _forbidden()
    wanted = {
        onlyoffice.app_base_url(request) + request.get_full_path(),
        request.build_absolute_uri(),
    }
    if payload.get("url") not in wanted:
        return _forbidden()
    version = (
        Version.objects.select_related("document")
        .filter(pk=data["v"], document_id=data.get("d"), document__trashed_at__isnull=True)
        .first()
    )
    if version is None:
        raise Http404
    return serve_version(request, version, filename=version.document.title)


@login_not_required
@require_GET
def changes(request, capability):
    """The kept `changes.zip` of a saved version, fetched by the editor's frame: CORS for the DS origin."""
    _require_enabled()
    try:
        save_pk = onlyoffice.read_changes_capability(capability)
    except onlyoffice.InvalidToken:
        return _forbidden()
    save = OnlineSave.objects.filter(pk=save_pk).only("changes_zip").first()
    if save is None or not save.changes_zip:
        raise Http404
    response = HttpResponse(bytes(save.changes_zip), content_type="application/zip")
    response["Access-Control-Allow-Origin"] = onlyoffice.public_url()
    response["Vary"] = "Origin"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _version_number(value) -> int:
    return parse_int(
        value,
        minimum=1,
        maximum=2**31 - 1,  # a PositiveIntegerField
        param="version",
        message=_("Numéro de version invalide : indiquez un nombre entier positif."),
    )


@require_GET
def history(request, pk):
    _require_enabled()
    access = access_document(request.user, pk, need="read")
    if not onlyoffice.editable(access.document):
        raise Http404
    return JsonResponse(onlyoffice.history(access.document))


@require_GET
def history_data(request, pk):
    _require_enabled()
    access = access_document(request.user, pk, need="read")
    number = _version_number(request.GET.get("version"))
    if not onlyoffice.editable(access.document):
        raise Http404
    data = onlyoffice.history_data(access.document, number, base_url=onlyoffice.app_base_url(request))
    if data is None:
        raise Http404
    return JsonResponse(data)


@require_POST
def restore(request, pk):
    """`onRequestRestore`: a new version with the old content (history only grows); the key rotates."""
    _require_enabled()
    access = access_document(request.user, pk, need="restore_version")
    try:
        data = parse_json(request.body or b"{}")
        number = _version_number(data.get("version") if isinstance(data, dict) else None)
    except BadParameter as exc:
        return JsonResponse({"error": exc.detail}, status=400)
    version = Version.objects.filter(document=access.document, number=number).first()
    if version is None:
        raise Http404
    try:
        new = version_restore(version=version, actor=request.user, request=request)
    except ValidationError as exc:
        return JsonResponse({"error": error_text(exc)}, status=409)
    access.document.current_version = new
    return JsonResponse({"version": new.number, "history": onlyoffice.history(access.document)})
