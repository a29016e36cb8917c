"""The wsgidav provider, mounted at `/dav`: `/` (the spaces, by identifier) → folders → documents. A
resource's path (and wsgidav's lock URL) is `/<space slug>/<folder>/…/<document title>`."""

from django.utils.translation import gettext as _
from wsgidav import util
from wsgidav.dav_error import HTTP_FORBIDDEN, PRECONDITION_CODE_PropfindFiniteDepth
from wsgidav.dav_provider import DAVProvider

from .auth import USER_KEY
from .errors import FrenchDAVError
from .queries import resolve
from .resources import DavRoot, DocumentResource, FolderResource, scratch_or_none


class GedProvider(DAVProvider):
    """Maps paths onto the GED for the agent the domain controller authenticated."""

    def is_readonly(self):
        return False

    def get_resource_inst(self, path: str, environ: dict):
        names = [n for n in path.split("/") if n]
        if not names:
            return DavRoot("/", environ, self)
        user = environ.get(USER_KEY)
        if user is None:
            return None
        found = resolve(user, names[0], names[1:])
        if found is None:
            return None
        kind, access, document = found
        clean = "/" + "/".join(names)
        if kind == "folder":
            return FolderResource(clean, environ, self, access)
        if kind == "document":
            return DocumentResource(clean, environ, self, access, document=document)
        # Missing: perhaps a scratch file of this agent (._*, ~$*, an empty file waiting for its content).
        parent = FolderResource(util.get_uri_parent(clean), environ, self, access)
        return scratch_or_none(clean, environ, self, parent) if access.abilities["enter"] else None

    def custom_request_handler(self, environ, start_response, default_handler):
        # PROPFIND without Depth means infinity (RFC 4918 §9.1): refused like an explicit one.
        depth = environ.get("HTTP_DEPTH", "infinity").strip().lower()
        if environ["REQUEST_METHOD"] == "PROPFIND" and depth == "infinity":
            raise FrenchDAVError(
                HTTP_FORBIDDEN,
                _("Le lecteur réseau ne liste qu'un dossier à la fois (Depth: 0 ou 1)."),
                err_condition=PRECONDITION_CODE_PropfindFiniteDepth,
            )
        return default_handler(environ, start_response)
