"""WebDAV dead properties (PROPPATCH) in the database, keyed by the document or folder, not by its path.

`GedPropertyManager` implements wsgidav's property manager interface
(`wsgidav.prop_man.property_manager.PropertyManager`). wsgidav names resources by URL; each URL is turned
into the document or folder it names (`ged.webdav.locks.resolve`'s rules), and the rows hang on that object:

- a MOVE or a rename (on DAV or on the web) keeps the object, so its properties follow without a write;
- a COPY makes a new object (or a new version of the destination): the provider's COPY
  (`resources._Base._copy_properties`) calls `copy_properties`, which gives it the source's properties
  (replacing its own), for every folder and document of a Depth infinity copy;
- DELETE sends the document to the trash (a folder is soft-deleted): its properties stay on the row, so a
  restore brings them back; a purge deletes the row and its properties with it (foreign keys with CASCADE).
  A new document later made at the same URL is another object, without them;
- Explorer's Win32LastModifiedTime, Win32CreationTime and Win32FileAttributes are stored here like any
  dead property (`resources.WIN32_KEPT`), never in the GED's own dates.

Inside one request (`locks.DavRequestScope`) the objects of a folder and their properties are read once per
folder (three queries, plus one per level of the folder's path), so a PROPFIND reporting every property of a
thousand documents costs what it costs for ten.
"""

from django.db import transaction
from django.http import Http404
from django.utils.encoding import force_str
from wsgidav.dav_error import HTTP_FORBIDDEN, DAVError

from ..models import DavProperty, Document, Folder, Space
from ..names import title_key
from ..permissions import access_document, access_folder
from .locks import USER_KEY, _segments, forget_cached, request_cache, resolve

_PREFIX = "props:"


def _parent_and_name(url: str) -> tuple[str, str | None]:
    segments = url.strip("/").split("/") if url.strip("/") else []
    if not segments:
        return "", None
    return "/" + "/".join(segments[:-1]), segments[-1]


def _load_folder(parent_url: str) -> dict:
    """{"docs": {title_key: pk}, "folders": {name: pk}, "props": {(kind, pk): {name: value}}} of the
    members of the folder at `parent_url` (the spaces' root folders for "/")."""
    docs, folders = {}, {}
    if not parent_url.strip("/"):
        for slug, root_id in Space.objects.live().values_list("slug", "root_id"):
            folders[slug] = root_id
    else:
        parent = resolve(parent_url)
        if isinstance(parent, Folder):
            for pk, key in Document.objects.untrashed().filter(folder=parent).values_list("pk", "title_key"):
                docs[key] = pk
            for pk, name in Folder.objects.filter(
                path__startswith=parent.path, depth=parent.depth + 1, trashed_at__isnull=True
            ).values_list("pk", "name"):
                folders[name] = pk
    props = {}
    if docs or folders:
        rows = DavProperty.objects.filter(document_id__in=docs.values()) | DavProperty.objects.filter(
            folder_id__in=folders.values()
        )
        for document_id, folder_id, name, value in rows.values_list(
            "document_id", "folder_id", "name", "value"
        ):
            key = ("document", document_id) if document_id else ("folder", folder_id)
            props.setdefault(key, {})[name] = value
    return {"docs": docs, "folders": folders, "props": props}


def _folder_members(parent_url: str) -> dict:
    cache = request_cache()
    key = _PREFIX + parent_url
    if cache is not None and key in cache:
        return cache[key]
    members = _load_folder(parent_url)
    if cache is not None:
        cache[key] = members
    return members


def _target(url: str) -> tuple[tuple[str, int] | None, dict]:
    """(("document"|"folder", pk) or None, the members of its folder) for a ref URL."""
    parent_url, name = _parent_and_name(url)
    if name is None:
        return None, {"props": {}}
    members = _folder_members(parent_url)
    name = _segments("/" + name)[0]
    pk = members["docs"].get(title_key(name))
    if pk is not None:
        return ("document", pk), members
    pk = members["folders"].get(name)
    if pk is not None:
        return ("folder", pk), members
    return None, members


def _rows(target: tuple[str, int]):
    kind, pk = target
    return DavProperty.objects.filter(**{f"{kind}_id": pk})


def _check_write(target: tuple[str, int], environ) -> None:
    """A request's agent changes dead properties only where they may change the resource: a new version of
    the document (its placeholder: its creator), adding documents to the folder. 403 otherwise (a reader's
    PROPPATCH). Without an environ, a call from code (tests, commands): allowed."""
    if environ is None:
        return
    user = environ.get(USER_KEY)
    kind, pk = target
    try:
        if user is None:
            raise Http404
        if kind == "document":
            placeholder = Document.objects.filter(pk=pk, placeholder=True).values_list(
                "created_by_id", flat=True
            )
            if placeholder:
                if placeholder[0] != user.pk:
                    raise Http404
            else:
                access_document(user, pk, need="upload_version")
        else:
            access_folder(user, pk, need="upload")
    except Http404:
        raise DAVError(HTTP_FORBIDDEN) from None


def _forget(url: str) -> None:
    forget_cached(_PREFIX + _parent_and_name(url)[0])


class GedPropertyManager:
    """wsgidav property manager over `DavProperty` rows (see the module docstring)."""

    def __repr__(self):
        return self.__class__.__name__

    def get_properties(self, norm_url, environ=None):
        target, members = _target(norm_url)
        return list(members["props"].get(target, {})) if target else []

    def get_property(self, norm_url, name, environ=None):
        target, members = _target(norm_url)
        if target is None:
            return None
        value = members["props"].get(target, {}).get(name)
        return value.encode() if value is not None else None

    def write_property(self, norm_url, name, property_value, dry_run=False, environ=None):
        assert property_value is not None
        target, _members = _target(norm_url)
        if target is None:
            return
        _check_write(target, environ)
        if dry_run:
            return
        kind, pk = target
        with transaction.atomic():
            updated = _rows(target).filter(name=name).update(value=force_str(property_value))
            if not updated:
                DavProperty.objects.create(**{f"{kind}_id": pk}, name=name, value=force_str(property_value))
        _forget(norm_url)

    def remove_property(self, norm_url, name, dry_run=False, environ=None):
        """Removing a property that does not exist is not an error (RFC 4918 9.2)."""
        target, _members = _target(norm_url)
        if target is None:
            return
        _check_write(target, environ)
        if dry_run:
            return
        _rows(target).filter(name=name).delete()
        _forget(norm_url)

    def remove_properties(self, norm_url, environ=None):
        target, _members = _target(norm_url)
        if target is not None:
            _rows(target).delete()
            _forget(norm_url)

    def copy_properties(self, src_url, dest_url, environ=None):
        """The copy gets the source's properties, and only those."""
        source, _ = _target(src_url)
        _forget(dest_url)
        dest, _ = _target(dest_url)
        if source is None or dest is None or source == dest:
            return
        kind, pk = dest
        with transaction.atomic():
            _rows(dest).delete()
            DavProperty.objects.bulk_create(
                DavProperty(**{f"{kind}_id": pk}, name=name, value=value)
                for name, value in _rows(source).values_list("name", "value")
            )
        _forget(dest_url)

    def move_properties(self, src_url, dest_url, with_children, environ=None):
        """Nothing to do when the moved object kept its id (every GED move does): its rows follow it. If the
        destination is another object (the source URL still names the original), the rows go there."""
        source, _ = _target(src_url)
        _forget(dest_url)
        dest, _ = _target(dest_url)
        if source is None or dest is None or source == dest:
            _forget(src_url)
            return
        kind, pk = dest
        with transaction.atomic():
            _rows(dest).delete()
            _rows(source).update(**{"document_id": None, "folder_id": None, f"{kind}_id": pk})
        _forget(src_url)
        _forget(dest_url)
