"""The wsgidav provider, mounted at `/dav`: `/` (the spaces, by identifier) → folders → documents. A
resource's path (and wsgidav's lock URL) is `/<space slug>/<folder>/…/<document title>`."""

from urllib.parse import unquote, urlparse

from django.utils.translation import gettext as _
from wsgidav import util
from wsgidav.dav_error import HTTP_FORBIDDEN, PRECONDITION_CODE_PropfindFiniteDepth
from wsgidav.dav_provider import DAVProvider

from .auth import USER_KEY
from .errors import FrenchDAVError, forbidden
from .queries import resolve
from .resources import SHOW_HIDDEN, DavRoot, DocumentResource, FolderResource, scratch_or_none
from .scratch import hidden, is_scratch_name
from .shared import SharedCollection, _nothing_here, is_shared_name

# What never happens in « Partagés avec moi » (shared.py); PUT and LOCK are judged by the resources.
SHARED_REFUSED = frozenset(("DELETE", "MOVE", "MKCOL", "PROPPATCH"))


def _in_shared(path: str) -> list[str] | None:
    """The names under « Partagés avec moi » of a path inside the mount (the collection itself: []), None
    for a path elsewhere."""
    names = [n for n in (path or "").split("/") if n]
    return names[1:] if names and is_shared_name(names[0]) else None


def _refuse_writes_in_shared(environ, mount: str) -> None:
    """403 for DELETE, MOVE, MKCOL and PROPPATCH of anything in « Partagés avec moi » (the agent's own
    scratch files excepted: a client deletes and renames its `~$` owner file) and for a COPY or a MOVE into
    it, before wsgidav resolves anything (so a PROPPATCH is a 403, not a 207 with a 403 inside)."""
    method = environ["REQUEST_METHOD"]
    source = _in_shared(environ.get("PATH_INFO", ""))
    own_scratch = bool(source) and method in ("DELETE", "MOVE") and is_scratch_name(source[-1])
    if source is not None and method in SHARED_REFUSED and not own_scratch:
        raise _nothing_here()
    if method in ("COPY", "MOVE") and environ.get("HTTP_DESTINATION"):
        dest = unquote(urlparse(environ["HTTP_DESTINATION"]).path)
        if mount and dest.startswith(mount + "/"):
            dest = dest[len(mount) :]
        target = _in_shared(dest)
        if target is not None and not (source and target and is_scratch_name(target[-1])):
            raise _nothing_here()


class GedProvider(DAVProvider):
    """Maps paths onto the GED for the agent the domain controller authenticated."""

    def is_readonly(self):
        return False

    def get_resource_inst(self, path: str | None, environ: dict):
        if path is None:  # the parent of `/` (wsgidav asks for it on a PUT, DELETE, COPY or MOVE of `/dav/`)
            return None
        names = [n for n in path.split("/") if n]
        if not names:
            return DavRoot("/", environ, self)
        user = environ.get(USER_KEY)
        if user is None:
            return None
        if is_shared_name(names[0]):
            if len(names) == 1:
                return SharedCollection(environ, self)
            return SharedCollection(environ, self).member(names[1]) if len(names) == 2 else None
        found = resolve(user, names[0], names[1:])
        if found is None:
            return None
        kind, access, document = found
        clean = "/" + "/".join(names)
        if kind == "folder":
            return FolderResource(clean, environ, self, access)
        if kind == "document":
            if not environ.get(SHOW_HIDDEN) and document.pk in hidden(user.pk):
                # Renamed away by this agent's Word (its backup `~WRL….tmp`, scratch.py): the name is free
                # for the file Word moves onto it next.
                parent = FolderResource(util.get_uri_parent(clean), environ, self, access)
                return scratch_or_none(clean, environ, self, parent)
            return DocumentResource(clean, environ, self, access, document=document)
        # Missing: perhaps a scratch file of this agent (._*, ~$*, an empty file waiting for its content).
        parent = FolderResource(util.get_uri_parent(clean), environ, self, access)
        return scratch_or_none(clean, environ, self, parent) if access.abilities["enter"] else None

    def custom_request_handler(self, environ, start_response, default_handler):
        _refuse_writes_in_shared(environ, ((self.mount_path or "") + self.share_path).rstrip("/"))
        if environ["REQUEST_METHOD"] == "LOCK":
            self._check_lock(environ)
        # PROPFIND without Depth means infinity (RFC 4918 §9.1): refused like an explicit one.
        depth = environ.get("HTTP_DEPTH", "infinity").strip().lower()
        if environ["REQUEST_METHOD"] == "PROPFIND" and depth == "infinity":
            raise FrenchDAVError(
                HTTP_FORBIDDEN,
                _("Le lecteur réseau ne liste qu'un dossier à la fois (Depth: 0 ou 1)."),
                err_condition=PRECONDITION_CODE_PropfindFiniteDepth,
            )
        return default_handler(environ, start_response)

    def _check_lock(self, environ) -> None:
        """LOCK (a new lock or a refresh) needs the right to change what it locks, judged before wsgidav looks
        for conflicts (a reader gets 403, never 423 nor a lock): a document, the web's check-out right; a
        folder, the right to add documents to it (`locks.check_lockable`); `/dav/` and « Partagés avec moi »
        themselves are never locked (such a lock would bind every agent's paths). An unmapped URL is judged
        by wsgidav's LOCK on an unmapped URL (the parent folder's `create_empty_resource`)."""
        from .locks import check_lockable

        res = self.get_resource_inst(environ.get("PATH_INFO", "/"), environ)
        if isinstance(res, DavRoot | SharedCollection):
            raise forbidden()
        if isinstance(res, DocumentResource) and res.pk is not None:
            check_lockable(res.user, res.access().document)
        elif isinstance(res, FolderResource):
            check_lockable(res.user, res.folder)
