"""The DAV resources: `/dav/` (the spaces), folders, documents, and the scratch files clients
write beside them. Every read goes through the GED's permission functions, every write through its actions
(the same rights, checks, history and audit as the web)."""

import contextlib
import unicodedata
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from wsgidav import util
from wsgidav.dav_error import HTTP_CONFLICT, HTTP_FORBIDDEN, DAVError
from wsgidav.dav_provider import DAVCollection, DAVNonCollection
from wsgidav.util import etree

from intranet.audit.actions import audit_record

from .. import storage
from ..actions import (
    StaleVersion,
    document_move,
    document_trash,
    document_update,
    document_upload,
    folder_create,
    folder_delete,
    folder_move,
    folder_rename,
    version_create,
)
from ..models import Folder
from ..names import clean_name
from ..permissions import access_document, document_access, frozen_message
from ..uploads import stage
from . import scratch
from .auth import REQUEST_KEY, USER_KEY
from .errors import forbidden, from_stale, from_validation, locked, not_found
from .queries import child_accesses, document_rows, enterable_spaces

# Explorer's PROPPATCH after a copy (Win32LastModifiedTime…): kept as dead properties, so that its next
# PROPFIND gives them back (the emulation Explorer needs); the GED's own dates stay the versions'. The last
# access time, which Explorer may send on every open, is accepted and not kept.
WIN32_NS = "{urn:schemas-microsoft-com:}"
WIN32_KEPT = ("Win32LastModifiedTime", "Win32CreationTime", "Win32FileAttributes")

# An environ flag: resolve the documents this agent's Word renamed away too (scratch.py's aliases).
SHOW_HIDDEN = "ccfi.dav.show_hidden"

SAFE_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "sandbox; default-src 'none'; frame-ancestors 'none'"),
)


def refuse_rewritten_name(name: str) -> None:
    """403 for a name the GED would store otherwise (`names.clean_name`: a double space, a tab, `CON.txt`…):
    the client would ask for the name it sent and find nothing. Scratch names never reach the GED. The same
    rule and message as a LOCK on an unmapped URL (locks.placeholder_create)."""
    if scratch.is_scratch_name(name):
        return
    if clean_name(name) != unicodedata.normalize("NFC", name or ""):
        raise forbidden(
            _("Le nom « %(name)s » n'est pas accepté dans la GED : choisissez un nom sans caractère spécial.")
            % {"name": name}
        )


def _validation_code(exc: ValidationError) -> str | None:
    code = getattr(exc, "code", None)
    if code is None and getattr(exc, "error_list", None):
        code = exc.error_list[0].code
    return code


class _IterReader:
    """A read(n) file over the request body chunks wsgidav hands to `writelines()`, so that the body goes
    through the GED's one upload path (`uploads.stage`: size limit while reading, hash, content checks,
    antivirus) without a copy of its own."""

    def __init__(self, chunks, name: str):
        self._chunks = iter(chunks)
        self._buffer = b""
        self.name = name
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buffer) < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if n < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:n], self._buffer[n:]
        self.size += len(data)
        return data


class _Receiver:
    """What begin_write() returns: stages the body when wsgidav gives it (writelines)."""

    def __init__(self, name: str):
        self.name = name
        self.staged = None
        self.empty = False

    def writelines(self, chunks) -> None:
        try:
            self.staged = stage(_IterReader(chunks, self.name), name=self.name)
        except ValidationError as exc:
            if _validation_code(exc) == "empty":
                self.empty = True
                return
            raise from_validation(exc) from None

    def close(self) -> None:
        pass

    def discard(self) -> None:
        if self.staged is not None:
            self.staged.discard()
            self.staged = None


class _Base:
    """What every resource of ours knows: the agent, the request (for the audit), the provider."""

    @property
    def user(self):
        return self.environ.get(USER_KEY)

    @property
    def request(self):
        return self.environ.get(REQUEST_KEY)

    def _resource(self, path: str):
        return self.provider.get_resource_inst(path, self.environ)

    def _ref_url(self, path: str) -> str:
        """wsgidav's ref URL (the key of locks and dead properties) of `path`."""
        return quote(self.provider.share_path + path.rstrip("/"))

    def _copy_properties(self, dest_path: str) -> None:
        """The copy at `dest_path` gets this resource's dead properties (and only those)."""
        manager = self.provider.prop_manager
        if manager is not None:
            manager.copy_properties(self.get_ref_url(), self._ref_url(dest_path), self.environ)

    def set_property_value(self, name, value, *, dry_run=False):
        if name.startswith(WIN32_NS):
            manager = self.provider.prop_manager
            if manager is None or name[len(WIN32_NS) :] not in WIN32_KEPT:
                return None
            try:
                if value is None:
                    manager.remove_property(self.get_ref_url(), name, dry_run, self.environ)
                else:
                    manager.write_property(
                        self.get_ref_url(), name, etree.tostring(value), dry_run, self.environ
                    )
            except DAVError as exc:
                if exc.value != HTTP_FORBIDDEN:
                    raise
                # A reader's Explorer: accepted and not kept, as before, so that its copy does not fail.
            return None
        return super().set_property_value(name, value, dry_run=dry_run)

    def _dest_parent(self, dest_path: str) -> "FolderResource":
        refuse_rewritten_name(util.get_uri_name(dest_path))
        parent = self._resource(util.get_uri_parent(dest_path))
        shared = getattr(parent, "is_shared", False)
        if shared and not scratch.is_scratch_name(util.get_uri_name(dest_path)):
            # « Partagés avec moi » receives nothing but the clients' scratch files (shared.py)
            raise forbidden(_("« Partagés avec moi » ne reçoit ni copie ni déplacement."))
        if not isinstance(parent, FolderResource) and not shared:
            raise DAVError(HTTP_CONFLICT, _("Le dossier de destination n'existe pas."))
        return parent


def _delete_tree(resource) -> None:
    """Delete a resource and what it holds, documents first (each through its own delete())."""
    for res in resource.get_descendants(depth_first=True, add_self=True):
        res.delete()


# --- Collections --------------------------------------------------------------------------------------------


class DavRoot(_Base, DAVCollection):
    """`/dav/`: the spaces the agent may enter, by identifier (slug), then « Partagés avec moi »
    (shared.py)."""

    def __init__(self, path, environ, provider):
        super().__init__(path, environ)
        self.provider = provider

    def get_display_name(self):
        return _("Espaces documentaires")

    def get_member_list(self):
        if self.user is None:
            return []
        from .shared import SharedCollection  # (shared.py builds on this module)

        spaces = [
            FolderResource(util.join_uri(self.path, access.space.slug), self.environ, self.provider, access)
            for access in enterable_spaces(self.user)
        ]
        return [*spaces, SharedCollection(self.environ, self.provider)]

    def get_member_names(self):
        return [m.name for m in self.get_member_list()]

    def get_member(self, name):
        return self._resource(util.join_uri(self.path, name))

    def create_empty_resource(self, name):
        raise forbidden(_("Les documents se rangent dans un espace : ouvrez d'abord l'un des dossiers."))

    def create_collection(self, name):
        raise forbidden(
            _("Les espaces documentaires se créent dans l'intranet, pas depuis le lecteur réseau.")
        )

    def delete(self):
        raise forbidden()

    def handle_move(self, dest_path):
        raise forbidden()

    def handle_copy(self, dest_path, *, depth_infinity):
        raise forbidden()


class FolderResource(_Base, DAVCollection):
    """A space's root folder (`/dav/<slug>`) or one of its folders."""

    def __init__(self, path, environ, provider, access):
        super().__init__(path, environ)
        self.provider = provider
        self.access = access
        self.folder = access.folder

    # --- reading

    def get_display_name(self):
        return self.access.space.name if self.folder.depth == 1 else self.folder.name

    def get_creation_date(self):
        created = getattr(self.folder, "created_at", None)
        return created.timestamp() if created else None

    def get_last_modified(self):
        return self.get_creation_date()

    def get_member_list(self):
        """Subfolders (one query) and documents (one query): set-based, whatever the folder's size."""
        members = [
            FolderResource(util.join_uri(self.path, child.folder.name), self.environ, self.provider, child)
            for child in child_accesses(self.user, self.access)
        ]
        taken = {m.folder.name for m in members}
        renamed_away = scratch.hidden(self.user.pk)  # by this agent's Word, for its save (scratch.py)
        for row in document_rows(self.user, self.access):
            if row["title"] in taken or row["id"] in renamed_away:  # a folder of the same name wins
                continue
            members.append(
                DocumentResource(
                    util.join_uri(self.path, row["title"]), self.environ, self.provider, self.access, row=row
                )
            )
        return members

    def get_member_names(self):
        return [m.name for m in self.get_member_list()]

    def get_member(self, name):
        return self._resource(util.join_uri(self.path, name))

    # --- writing

    def _need(self, ability: str, message: str | None = None) -> None:
        if not self.access.abilities.get(ability):
            raise forbidden(frozen_message() if self.access.space.frozen else message)

    def _fresh(self) -> Folder:
        return Folder.objects.select_related("space").get(pk=self.folder.pk)

    def create_empty_resource(self, name):
        if scratch.is_scratch_name(name):
            return ScratchResource(
                util.join_uri(self.path, name), self.environ, self.provider, self, new=True
            )
        path = util.join_uri(self.path, name)
        renamed_away = scratch.hidden_at(self.user.pk, path)
        if renamed_away is not None:
            # A PUT on the name of a document this agent's Word renamed to its backup: its next version.
            self.environ[SHOW_HIDDEN] = True
            try:
                document = self._resource(path)
            finally:
                self.environ.pop(SHOW_HIDDEN, None)
            if isinstance(document, DocumentResource) and document.pk == renamed_away["document"]:
                scratch.release(self.user.pk, document.pk)
                return document
        self._need("upload", _("Vous ne pouvez pas déposer de document dans ce dossier."))
        refuse_rewritten_name(name)
        return DocumentResource(path, self.environ, self.provider, self.access)

    def create_collection(self, name):
        self._need("create_folder", _("Vous ne pouvez pas créer de dossier ici."))
        refuse_rewritten_name(name)
        try:
            folder_create(parent=self._fresh(), name=name, actor=self.user)
        except ValidationError as exc:
            raise from_validation(exc) from None

    def delete(self):
        self._need("delete", _("Vous ne pouvez pas supprimer ce dossier."))
        try:
            folder_delete(folder=self._fresh(), actor=self.user)
        except ValidationError as exc:
            raise from_validation(exc) from None

    def handle_delete(self):
        if self.folder.depth == 1:
            raise forbidden(_("La racine d'un espace ne peut pas être supprimée."))
        self._need("delete", _("Vous ne pouvez pas supprimer ce dossier."))
        return False  # wsgidav deletes the members one by one (documents to the trash), then the folders

    def handle_move(self, dest_path):
        self._need("rename", _("Vous ne pouvez pas déplacer ni renommer ce dossier."))
        parent = self._dest_parent(dest_path)
        name = util.get_uri_name(dest_path)
        dest = self._resource(dest_path)
        same_parent = parent.folder.pk == self.access.chain[-2].pk
        if not same_parent:
            self._need("move", _("Vous ne pouvez pas déplacer ce dossier."))
            parent._need("create_folder", _("Vous ne pouvez pas créer de dossier dans la destination."))
        try:
            with transaction.atomic():
                if dest is not None and not (
                    isinstance(dest, FolderResource) and dest.folder.pk == self.folder.pk
                ):
                    _delete_tree(dest)  # Overwrite: T (wsgidav refused F already)
                folder = self._fresh()
                if not same_parent:
                    folder = folder_move(folder=folder, target=parent._fresh(), actor=self.user)
                if folder.name != name:
                    folder_rename(folder=folder, name=name, actor=self.user)
        except ValidationError as exc:
            raise from_validation(exc) from None
        return True

    def handle_copy(self, dest_path, *, depth_infinity):
        parent = self._dest_parent(dest_path)
        parent._need("create_folder", _("Vous ne pouvez pas créer de dossier dans la destination."))
        name = util.get_uri_name(dest_path)
        dest = self._resource(dest_path)
        try:
            with transaction.atomic():
                if dest is not None:
                    _delete_tree(dest)
                copy = folder_create(parent=parent._fresh(), name=name, actor=self.user)
                self._copy_properties(dest_path)
                if depth_infinity:
                    self._copy_members_into(copy, dest_path)
        except ValidationError as exc:
            raise from_validation(exc) from None
        return True

    def _copy_members_into(self, target: Folder, target_path: str) -> None:
        for member in self.get_member_list():
            member_path = util.join_uri(target_path, member.name)
            if isinstance(member, FolderResource):
                if target.path.startswith(member.folder.path):
                    continue  # never copy a folder into itself
                sub = folder_create(parent=target, name=member.folder.name, actor=self.user)
                member._copy_properties(member_path)
                member._copy_members_into(sub, member_path)
            elif member.copy_to(target, member.name):
                member._copy_properties(member_path)


# --- Documents ----------------------------------------------------------------------------------------------


class DocumentResource(_Base, DAVNonCollection):
    """A live document (its current version), or, without `document` nor `row`, one about to be created by a
    PUT in `access`'s folder."""

    def __init__(self, path, environ, provider, access, *, document=None, row=None):
        super().__init__(path, environ)
        self.provider = provider
        self.folder_access = access
        self.document = document
        self._doc_access = None
        self._receiver = None
        if document is not None:
            version = document.current_version
            self.pk, self.title = document.pk, document.title
            self.sha = version.blob_id if version else None
            self.size = version.size if version else 0
            self.mime = version.mime_type if version else "application/octet-stream"
            self.created, self.updated = document.created_at, document.updated_at
        elif row is not None:
            self.pk, self.title = row["id"], row["title"]
            self.sha = row["current_version__blob_id"]
            self.size = row["current_version__size"] or 0
            self.mime = row["current_version__mime_type"] or "application/octet-stream"
            self.created, self.updated = row["created_at"], row["updated_at"]
        else:
            self.pk, self.title = None, util.get_uri_name(path)
            self.sha, self.size, self.mime = None, 0, "application/octet-stream"
            self.created = self.updated = None

    # --- reading

    def get_content_length(self):
        return self.size

    def get_content_type(self):
        return self.mime

    def get_creation_date(self):
        return self.created.timestamp() if self.created else None

    def get_last_modified(self):
        return self.updated.timestamp() if self.updated else None

    def get_display_name(self):
        return self.title

    def get_etag(self):
        return self.sha

    def support_etag(self):
        return self.sha is not None  # a LOCK placeholder has no version yet

    def support_ranges(self):
        return True

    def finalize_headers(self, environ, response_headers):
        response_headers.extend(SAFE_HEADERS)

    def access(self):
        """The agent's access to the document (the GED's document_access; loaded by access_document for a
        document that came from a folder listing)."""
        if self._doc_access is None:
            if self.pk is None:
                raise not_found()
            if self.document is not None:
                self._doc_access = document_access(self.user, self.document, self.folder_access)
            else:
                try:
                    self._doc_access = access_document(self.user, self.pk, need="read")
                except Http404:
                    raise not_found() from None
                self.document = self._doc_access.document
        return self._doc_access

    def get_content(self):
        access = self.access()
        if not access.abilities["download"] or not self.sha:
            raise not_found()
        audit_record(
            action="ged.download",
            actor=self.user,
            request=self.request,
            obj=access.document,
            extra={
                "space": access.document.space_id,
                "version": access.document.current_version.number,
                "via": "webdav",
            },
        )
        return storage.blob_open(self.sha)

    # --- writing

    def _need(self, ability: str, message: str | None = None):
        access = self.access()
        if not access.abilities.get(ability):
            document = access.document
            if access.folder_access.space.frozen:
                raise forbidden(frozen_message())
            if document.lock_active() and document.lock_holder_id != self.user.pk:
                raise locked()
            raise forbidden(message)
        return access

    def begin_write(self, *, content_type=None):
        if self.pk is not None:
            self._need("upload_version", _("Vous ne pouvez pas envoyer de nouvelle version de ce document."))
        self._receiver = _Receiver(self.title)
        return self._receiver

    def end_write(self, *, with_errors):
        receiver, self._receiver = self._receiver, None
        if receiver is None:
            return
        if with_errors:
            receiver.discard()
            return
        if receiver.empty:
            if self.pk is None:  # an empty file created before its content: kept aside until then
                scratch.write_empty(self.user.pk, self.path)
            return  # an empty body over a document changes nothing: nothing is lost
        staged = receiver.staged
        try:
            if self.pk is None:
                document, version = document_upload(
                    folder=self.folder_access.folder,
                    uploaded_file_or_path=staged,
                    author=self.user,
                    title=self.title,
                    request=self.request,
                )
                self.pk, self.document = document.pk, document
                scratch.remove(self.user.pk, self.path)
            elif staged.sha256 == self.sha:
                staged.discard()  # the same bytes again (a client saving without a change): no version
                return
            else:
                version = version_create(
                    document=self.access().document,
                    uploaded_file_or_path=staged,
                    author=self.user,
                    request=self.request,
                )
        except ValidationError as exc:
            staged.discard()
            raise from_validation(exc) from None
        except StaleVersion as exc:
            staged.discard()
            raise from_stale(exc) from None
        self.sha, self.size, self.mime = version.blob_id, version.size, version.mime_type

    def delete(self):
        access = self._need("trash", _("Vous ne pouvez pas mettre ce document à la corbeille."))
        try:
            document_trash(document=access.document, actor=self.user, request=self.request)
        except ValidationError as exc:
            raise from_validation(exc) from None

    def handle_delete(self):
        # Handled here, wsgidav checks only the parent's locks: the document's own lock (a DAV lock or a web
        # check-out, ged/webdav/locks.py) must be held by this agent with its token in the If header.
        lock_manager = self.provider.lock_manager
        if lock_manager is not None:
            lock_manager.check_write_permission(
                url=self.get_ref_url(),
                depth="0",
                token_list=self.environ.get("wsgidav.ifLockTokenList", []),
                principal=self.environ["wsgidav.user_name"],
            )
        self.delete()
        return True

    def set_last_modified(self, dest_path, time_stamp, *, dry_run=False):
        """A PROPPATCH of the last-modified date: accepted so that the client does not fail, not applied: a
        document's date is its last version's (Explorer's Win32 properties are kept aside as dead properties,
        `_Base.set_property_value`)."""
        return True

    def copy_to(self, folder: Folder, name: str) -> bool:
        """A new document `name` in `folder` with this one's content, through the upload path. False for a
        placeholder (nothing to copy)."""
        if not self.sha:
            return False
        with storage.blob_open(self.sha) as fh:
            staged = stage(fh, name=name)
        document_upload(
            folder=folder, uploaded_file_or_path=staged, author=self.user, title=name, request=self.request
        )
        return True

    def handle_copy(self, dest_path, *, depth_infinity):
        self._need("download")
        parent = self._dest_parent(dest_path)
        name = util.get_uri_name(dest_path)
        if scratch.is_scratch_name(name):
            raise forbidden()
        dest = self._resource(dest_path)
        try:
            with transaction.atomic():
                if isinstance(dest, DocumentResource) and dest.pk is not None:
                    # Over an existing document: its next version (nothing is overwritten), unless identical.
                    dest._need("upload_version", _("Vous ne pouvez pas modifier le document de destination."))
                    if dest.sha != self.sha:
                        with storage.blob_open(self.sha) as fh:
                            staged = stage(fh, name=dest.title)
                        version_create(
                            document=dest.access().document,
                            uploaded_file_or_path=staged,
                            author=self.user,
                            request=self.request,
                        )
                    self._copy_properties(dest_path)
                    return True
                parent._need("upload", _("Vous ne pouvez pas déposer de document dans la destination."))
                if dest is not None:
                    _delete_tree(dest)
                if self.copy_to(parent._fresh(), name):
                    self._copy_properties(dest_path)
        except ValidationError as exc:
            raise from_validation(exc) from None
        return True

    def handle_move(self, dest_path):
        access = self.access()
        parent = self._dest_parent(dest_path)
        name = util.get_uri_name(dest_path)
        if scratch.is_scratch_name(name):
            return self._move_to_backup(dest_path)
        dest = self._resource(dest_path)
        if isinstance(dest, DocumentResource) and dest.pk is not None and dest.pk != self.pk:
            return self._move_onto(dest)
        same_folder = parent.folder.pk == self.folder_access.folder.pk
        if same_folder:
            self._need("rename", _("Vous ne pouvez pas renommer ce document."))
        else:
            self._need("move", _("Vous ne pouvez pas déplacer ce document."))
            parent._need("upload", _("Vous ne pouvez pas déposer de document dans la destination."))
        try:
            with transaction.atomic():
                if dest is not None and not (isinstance(dest, DocumentResource) and dest.pk == self.pk):
                    _delete_tree(dest)  # Overwrite: T (wsgidav refused F already)
                document = access.document
                if not same_folder:
                    document_move(
                        document=document, target=parent._fresh(), actor=self.user, request=self.request
                    )
                if document.title != name:
                    document_update(document=document, actor=self.user, title=name)
        except ValidationError as exc:
            raise from_validation(exc) from None
        return True

    def _move_to_backup(self, dest_path: str) -> bool:
        """Word's save renames the document to its backup name (`~WRL0001.tmp`) before moving the new content
        onto its name: nothing changes in the GED; for this agent the backup name reads the document and the
        name is free for the next MOVE, which makes the next version (scratch.py, aliases). Needs what a new
        version needs (a check-out by someone else: 423)."""
        self._need("upload_version", _("Vous ne pouvez pas envoyer de nouvelle version de ce document."))
        scratch.alias_set(
            self.user.pk,
            dest_path,
            document_id=self.pk,
            document_path=self.path,
            blob=self.sha,
            size=self.size,
        )
        return True

    def _move_onto(self, dest: "DocumentResource") -> bool:
        """MOVE (Overwrite: T) onto another document: this one's content becomes the destination's next
        version (same document, history kept; identical bytes: none), and this document goes to the trash as
        a DELETE would send it. Needs the new-version right on the destination (423 when someone else holds
        its check-out) and the trash right on this one."""
        self._need("download")
        source = self._need("trash", _("Vous ne pouvez pas mettre ce document à la corbeille."))
        target = dest._need("upload_version", _("Vous ne pouvez pas modifier le document de destination."))
        try:
            with transaction.atomic():
                if self.sha and dest.sha != self.sha:
                    with storage.blob_open(self.sha) as fh:
                        staged = stage(fh, name=dest.title)
                    try:
                        version_create(
                            document=target.document,
                            uploaded_file_or_path=staged,
                            author=self.user,
                            request=self.request,
                        )
                    except BaseException:
                        staged.discard()
                        raise
                document_trash(document=source.document, actor=self.user, request=self.request)
        except ValidationError as exc:
            raise from_validation(exc) from None
        except StaleVersion as exc:
            raise from_stale(exc) from None
        return True


# --- Scratch files ------------------------------------------------------------------------------------------


class ScratchResource(_Base, DAVNonCollection):
    """A file kept out of the GED (see scratch.py): readable back by its writer only, never listed."""

    def __init__(self, path, environ, provider, parent: FolderResource, *, new=False):
        super().__init__(path, environ)
        self.provider = provider
        self.parent = parent
        self._stat = None if new else scratch.stat(self.user.pk, path)
        # Word's backup name of a document it renamed away (scratch.py): reads the document's bytes.
        self._alias = None if new or self._stat else scratch.alias_get(self.user.pk, path)
        self._writer = None

    def exists(self) -> bool:
        return self._stat is not None or self._alias is not None

    def get_content_length(self):
        if self._alias is not None:
            return self._alias["size"] or 0
        return self._stat.st_size if self._stat else 0

    def get_content_type(self):
        return "application/octet-stream"

    def get_last_modified(self):
        if self._alias is not None:
            return self._alias["mtime"]
        return self._stat.st_mtime if self._stat else None

    def get_creation_date(self):
        return self.get_last_modified()

    def get_etag(self):
        became = getattr(self, "_became", None)
        if became is not None:
            return became.get_etag()
        if self._alias is not None:
            return self._alias["blob"]
        if not self._stat:
            return None
        return f"scratch-{int(self._stat.st_mtime_ns)}-{self._stat.st_size}"

    def support_etag(self):
        return True

    def support_ranges(self):
        return True

    def finalize_headers(self, environ, response_headers):
        response_headers.extend(SAFE_HEADERS)

    def get_content(self):
        if self._alias is not None:
            if not self._alias["blob"]:
                raise not_found()
            return storage.blob_open(self._alias["blob"])
        try:
            return scratch.open_read(self.user.pk, self.path)
        except OSError:
            raise not_found() from None

    def begin_write(self, *, content_type=None):
        if not scratch.is_scratch_name(self.name):
            # An empty file waiting for its content: the content makes the document (the empty entry goes).
            self._delegate = self.parent.create_empty_resource(self.name)
            return self._delegate.begin_write(content_type=content_type)
        if self._alias is not None:
            scratch.alias_remove(self.user.pk, self.path)
            self._alias = None
        self._writer = scratch.writer_for(self.user.pk, self.path, self.name)
        return self._writer

    def end_write(self, *, with_errors):
        delegate, self._delegate = getattr(self, "_delegate", None), None
        if delegate is not None:
            delegate.end_write(with_errors=with_errors)
            self._became = delegate
            return
        writer, self._writer = self._writer, None
        if writer is None:
            return
        if with_errors:
            writer.abort()
        else:
            writer.close()
        self._stat = scratch.stat(self.user.pk, self.path)

    def delete(self):
        scratch.remove(self.user.pk, self.path)
        scratch.alias_remove(self.user.pk, self.path)  # Word's backup: the document was never touched

    def handle_delete(self):
        self.delete()
        return True

    def handle_copy(self, dest_path, *, depth_infinity):
        return self._transfer(dest_path, keep=True)

    def handle_move(self, dest_path):
        return self._transfer(dest_path, keep=False)

    def _transfer(self, dest_path, *, keep: bool):
        """To another scratch name: stays aside; to a real name with content (a client that writes a temp
        file, then renames it): becomes a document through the upload path; an empty one stays aside."""
        parent = self._dest_parent(dest_path)
        name = util.get_uri_name(dest_path)
        if self._alias is not None:
            return self._transfer_alias(dest_path, keep=keep)
        if scratch.is_scratch_name(name) or not self.get_content_length():
            with self.get_content() as src:
                writer = scratch.writer_for(self.user.pk, dest_path, name)
                try:
                    while data := src.read(1024 * 1024):
                        writer.write(data)
                except BaseException:
                    writer.abort()
                    raise
                writer.close()
        else:
            dest = self._resource(dest_path)
            renamed_away = None
            if dest is None or isinstance(dest, ScratchResource):
                # The name of a document this agent's Word renamed to its backup: its next version.
                renamed_away = scratch.hidden_at(self.user.pk, dest_path)
                if renamed_away is not None:
                    dest = self._unhidden(dest_path)
            target = dest if isinstance(dest, DocumentResource) else parent.create_empty_resource(name)
            receiver = target.begin_write()
            with self.get_content() as src:
                receiver.writelines(iter(lambda: src.read(1024 * 1024), b""))
            target.end_write(with_errors=False)
            if renamed_away is not None:
                scratch.release(self.user.pk, renamed_away["document"])
        if not keep:
            with contextlib.suppress(OSError):
                scratch.remove(self.user.pk, self.path)
        return True

    def _unhidden(self, path: str):
        """The resource at `path`, the documents renamed away by this agent's Word included."""
        self.environ[SHOW_HIDDEN] = True
        try:
            return self._resource(path)
        finally:
            self.environ.pop(SHOW_HIDDEN, None)

    def _transfer_alias(self, dest_path: str, *, keep: bool) -> bool:
        """Word's backup name moved or copied on: to another scratch name, the alias follows; to a real name
        (Word undoing its save), the document itself is moved or copied there (back to its own name: it just
        shows again)."""
        entry = self._alias
        if scratch.is_scratch_name(util.get_uri_name(dest_path)):
            if not keep:
                scratch.alias_remove(self.user.pk, self.path)
            scratch.alias_set(
                self.user.pk,
                dest_path,
                document_id=entry["document"],
                document_path=entry["document_path"],
                blob=entry["blob"],
                size=entry["size"],
            )
            return True
        document = self._unhidden(entry["document_path"])
        if not isinstance(document, DocumentResource) or document.pk != entry["document"]:
            raise not_found()
        if keep:
            return document.handle_copy(dest_path, depth_infinity=False)
        scratch.alias_remove(self.user.pk, self.path)
        if scratch.path_key(dest_path) == scratch.path_key(entry["document_path"]):
            return True
        return document.handle_move(dest_path)


def scratch_or_none(path, environ, provider, parent: FolderResource):
    """The agent's scratch file at `path`, if there is one."""
    resource = ScratchResource(path, environ, provider, parent)
    return resource if resource.exists() else None
