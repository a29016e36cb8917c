"""`/dav/Partagés avec moi/`: the web's « Partagés avec moi » as a virtual collection beside the spaces. Its
members are the documents shared on their own with the agent (DocumentGrant, directly or through a
department's group), by title (collisions numbered, `queries.shared_rows`), without anything of their
folders. GET gives the current version (audited like every DAV download); PUT over a document sends a new
version when the agent may (a contributor share, or a role on its folder: the web's document abilities);
nothing else writes there: DELETE, MOVE, COPY into it, MKCOL and PROPPATCH answer 403 (the provider's
`custom_request_handler` refuses them before wsgidav looks at anything). A revoked share, a trashed document:
the name answers 404 at once (it is resolved from the live list on every request).

The clients' scratch files (`~$` owner files, `._*`…) are accepted there like in any folder: they stay out
of the GED (scratch.py)."""

import unicodedata

from django.utils.translation import gettext as _
from wsgidav import util
from wsgidav.dav_provider import DAVCollection

from ..names import title_key
from . import scratch
from .errors import forbidden
from .queries import shared_rows
from .resources import DocumentResource, ScratchResource, _Base

# The collection's name in every path: the web's label, in French whatever the request's language (a mapped
# drive keeps its paths); its display name follows the language.
SHARED_NAME = "Partagés avec moi"
SHARED_PATH = "/" + SHARED_NAME
_SHARED_KEY = title_key(SHARED_NAME)


def is_shared_name(name: str) -> bool:
    """Whether a path's first segment names the collection (any Unicode form or case: Finder sends NFD,
    Explorer may change the case)."""
    return title_key(unicodedata.normalize("NFC", name or "")) == _SHARED_KEY


def _nothing_here() -> Exception:
    return forbidden(
        _(
            "« Partagés avec moi » ne montre que les documents partagés avec vous : on n'y range, ne "
            "renomme ni ne supprime rien (envoyer une nouvelle version d'un document reste possible si son "
            "partage le permet)."
        )
    )


class SharedCollection(_Base, DAVCollection):
    """The documents shared with the agent, by their name in the collection."""

    is_shared = True

    def __init__(self, environ, provider):
        super().__init__(SHARED_PATH, environ)
        self.provider = provider
        self._rows = None

    def rows(self) -> list[tuple[str, dict]]:
        if self._rows is None:
            self._rows = shared_rows(self.user) if self.user is not None else []
        return self._rows

    def get_display_name(self):
        return _("Partagés avec moi")

    def get_creation_date(self):
        return None

    def get_last_modified(self):
        return None

    def get_member_list(self):
        return [
            SharedDocumentResource(util.join_uri(self.path, name), self.environ, self.provider, row=row)
            for name, row in self.rows()
        ]

    def get_member_names(self):
        return [name for name, _row in self.rows()]

    def get_member(self, name):
        return self.member(name)

    def member(self, name: str):
        """The shared document of that name, else the agent's scratch file of that name, else None."""
        key = title_key(unicodedata.normalize("NFC", name))
        for member_name, row in self.rows():
            if title_key(member_name) == key:
                return SharedDocumentResource(
                    util.join_uri(self.path, member_name), self.environ, self.provider, row=row
                )
        if scratch.is_scratch_name(name):
            resource = ScratchResource(util.join_uri(self.path, name), self.environ, self.provider, self)
            return resource if resource.exists() else None
        return None

    # --- writing: nothing but the clients' scratch files

    def create_empty_resource(self, name):
        if scratch.is_scratch_name(name):
            path = util.join_uri(self.path, name)
            return ScratchResource(path, self.environ, self.provider, self, new=True)
        raise _nothing_here()

    def create_collection(self, name):
        raise _nothing_here()

    def set_property_value(self, name, value, *, dry_run=False):
        raise _nothing_here()

    def delete(self):
        raise _nothing_here()

    def handle_delete(self):
        raise _nothing_here()

    def handle_move(self, dest_path):
        raise _nothing_here()

    def handle_copy(self, dest_path, *, depth_infinity):
        raise _nothing_here()


class SharedDocumentResource(DocumentResource):
    """A document of « Partagés avec moi »: read and new versions only. Its rights are the web's
    (`access_document`, checked on every read and write), never its folder's listing."""

    def __init__(self, path, environ, provider, *, row):
        super().__init__(path, environ, provider, None, row=row)
        self.name_in_collection = util.get_uri_name(path)

    def get_display_name(self):
        return self.name_in_collection

    def set_property_value(self, name, value, *, dry_run=False):
        raise _nothing_here()

    def set_last_modified(self, dest_path, time_stamp, *, dry_run=False):
        raise _nothing_here()

    def delete(self):
        raise _nothing_here()

    def handle_delete(self):
        raise _nothing_here()

    def handle_move(self, dest_path):
        raise _nothing_here()
