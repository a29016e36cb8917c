"""The API's multipart uploads go through the same handler as the web form (GedUploadHandler: one temp file
in the blob store's tmp dir, hashed while written, the size limit enforced while reading). Ninja parses the
files before the operation runs, so the handler is chosen here, before anything reads the body."""

from django.urls import Resolver404, resolve

from .uploads import GedUploadHandler

API_UPLOAD_VIEWS = {"api:upload", "api:versions"}


class ApiUploadHandlerMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path_info.startswith("/api/"):
            try:
                view_name = resolve(request.path_info).view_name
            except Resolver404:
                view_name = ""
            if view_name in API_UPLOAD_VIEWS:
                request.upload_handlers = [GedUploadHandler(request)]
        return self.get_response(request)
