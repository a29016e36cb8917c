"""WebDAV locks (RFC 4918 class 2) over the database: one truth for every DAV process and for the web.

`GedLockStorage` implements wsgidav's lock storage interface (`wsgidav.lock_man.lock_storage`): wsgidav's
`LockManager` asks it about URLs and tokens, and it answers from two tables:

- `DavLock` rows: every lock a DAV client took. An exclusive lock on a document is also the GED check-out
  of that document by the lock's user (`document_lock`), so the web page shows « réservé par … » while Word
  holds the file, and its UNLOCK ends the check-out (`document_unlock`, in the document's history like the
  web's « Libérer »). Folder locks, shared locks and depth-infinity locks have no check-out: they live here
  alone. A check-out row whose check-out has ended on the web (released, broken by a manager, expired) is
  no lock any more.
- the check-outs taken on the web (`Document.lock_holder`): each one appears to DAV clients as an exclusive
  lock owned by its holder, so another agent's PUT or LOCK answers 423 Locked and Office opens the file
  read-only. Its token is `opaquelocktoken:ged-checkout-<id>`. Its holder's own requests do not see it:
  the holder's Word saves over DAV (a PUT without a token passes, a LOCK succeeds) while everyone else gets
  423. A LOCK by the holder on a document they checked out on the web rides that check-out (token
  `opaquelocktoken:ged-kept-…`): it lasts while the check-out does, and its UNLOCK leaves the check-out,
  which the agent took on the web, to be released on the web.

A lock's URL is computed from its document or folder at the time of the question, so a lock follows a
rename or a move made on the web. Expired rows are ignored at once and deleted at the next LOCK.

LOCK on an unmapped URL (RFC 4918 7.3) makes a placeholder document (`placeholder_create`): no version,
hidden everywhere but in its creator's DAV listings (`Document.objects.for_dav(user)`), until its first PUT
makes it a normal document with version 1 (`_add_version`); an UNLOCK before that, or the lock's expiry,
deletes it and its history (`placeholder_discard`).

`DavRequestScope` wraps the WSGI application: inside one request the locks are read once (two queries,
three when some exist), whatever the number of resources a PROPFIND reports; any write of a lock clears it.
"""

import math
import secrets
import threading
import unicodedata
from datetime import timedelta
from urllib.parse import quote, unquote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from wsgidav import util
from wsgidav.dav_error import HTTP_FORBIDDEN, HTTP_LOCKED, HTTP_NOT_FOUND, DAVError, DAVErrorCondition
from wsgidav.dav_error import PRECONDITION_CODE_LockConflict as LOCK_CONFLICT
from wsgidav.lock_man.lock_manager import normalize_lock_root

from ..actions import document_lock, document_unlock, title_check, title_guard
from ..actions.base import _history_reason
from ..models import DavLock, Document, Folder, Space
from ..names import clean_name, title_key
from ..permissions import ancestor_paths, document_access, folder_access
from .errors import FrenchDAVError, forbidden, locked, not_found
from .scratch import is_scratch_name

# The environ key where the domain controller (ged/webdav/auth.py) keeps the authenticated agent.
USER_KEY = "ccfi.user"
CHECKOUT_TOKEN = "opaquelocktoken:ged-checkout-"
# The token of a DAV lock taken by the holder of a web check-out on that document (its UNLOCK keeps the
# check-out).
KEPT_TOKEN = "opaquelocktoken:ged-kept-"
# A placeholder whose lock never came (the LOCK failed after it was made) is swept after this delay.
PLACEHOLDER_GRACE = timedelta(minutes=1)

_local = threading.local()


# --- Request scope ---------------------------------------------------------------------------------------


class DavRequestScope:
    """WSGI wrapper: the locks and dead properties read during one request are read once. Outside it (tests
    calling the storage, management commands) every question reads the database."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        # A generator: wsgidav does its work while the server iterates the response, so the scope must
        # last until the iteration ends (in the same thread: cheroot and a2wsgi iterate where they call).
        _local.cache, _local.environ = {}, environ
        result = None
        try:
            result = self.app(environ, start_response)
            yield from result
        finally:
            if hasattr(result, "close"):
                result.close()
            _local.cache, _local.environ = None, None


def request_cache() -> dict | None:
    return getattr(_local, "cache", None)


def request_environ() -> dict | None:
    return getattr(_local, "environ", None)


def forget_cached(*keys: str) -> None:
    cache = request_cache()
    if cache is not None:
        for key in keys:
            cache.pop(key, None)


# --- URLs of GED objects -----------------------------------------------------------------------------------
# The provider maps /<space slug>/<folder name>/…/<document title>; a lock URL is wsgidav's "ref URL" of the
# resource: that path, percent-quoted, without a trailing slash.


def _segments(ref_url: str) -> list[str]:
    return [unquote(s) for s in ref_url.strip("/").split("/") if s]


def resolve(ref_url: str) -> Document | Folder | None:
    """The untrashed document (placeholders included) or folder a lock URL names, without any permission
    check (the provider checked the request's rights before wsgidav asks the lock manager)."""
    segments = _segments(ref_url)
    if not segments:
        return None
    space = Space.objects.live().filter(slug=segments[0]).select_related("root").first()
    if space is None:
        return None
    folder = space.root
    for i, name in enumerate(segments[1:], start=1):
        child = Folder.objects.filter(
            path__startswith=folder.path, depth=folder.depth + 1, name=name, trashed_at__isnull=True
        ).first()
        if child is None:
            if i == len(segments) - 1:  # a folder wins over a document of the same name, as in the provider
                return Document.objects.untrashed().filter(folder=folder, title_key=title_key(name)).first()
            return None
        folder = child
    return folder


def ref_urls(documents=(), folders=()) -> dict[tuple[str, int], str]:
    """{("document"|"folder", pk): lock URL} in one query (the folders on the way)."""
    documents, folders = list(documents), list(folders)
    chains = {f.path for f in folders} | {d.folder.path for d in documents}
    wanted = {p for path in chains for p in ancestor_paths(path)}
    names = {}
    if wanted:
        for path, depth, name, slug in Folder.objects.filter(path__in=wanted).values_list(
            "path", "depth", "name", "space__slug"
        ):
            names[path] = (depth, name, slug)

    def folder_url(path: str) -> str | None:
        parts = []
        for p in ancestor_paths(path):
            if p not in names:
                return None
            depth, name, slug = names[p]
            parts.append(slug if depth == 1 else name)
        return "/" + "/".join(quote(part, safe="") for part in parts)

    urls = {}
    for f in folders:
        url = folder_url(f.path)
        if url:
            urls[("folder", f.pk)] = url
    for d in documents:
        url = folder_url(d.folder.path)
        if url:
            urls[("document", d.pk)] = f"{url}/{quote(d.title, safe='')}"
    return urls


# --- Placeholders (LOCK on an unmapped URL) -----------------------------------------------------------------


@transaction.atomic
def placeholder_create(*, folder: Folder, name: str, user) -> Document:
    """The empty resource of a LOCK on an unmapped URL: a hidden document with no version, in `folder`.

    Refused (PermissionDenied) to an agent who may not add documents there, and (ValidationError) for a
    name the GED would change or that a document of the folder already holds."""
    access = folder_access(user, folder)
    if not access.abilities.get("upload"):
        raise PermissionDenied
    if clean_name(name) != unicodedata.normalize("NFC", name or ""):
        raise ValidationError(
            _("Le nom « %(name)s » n'est pas accepté dans la GED : choisissez un nom sans caractère spécial.")
            % {"name": name}
        )
    title_check(folder.pk, name)
    now = timezone.now()
    document = Document(
        title=name,
        folder=folder,
        space_id=folder.space_id,
        created_by=user,
        created_at=now,
        updated_at=now,
        placeholder=True,
    )
    with title_guard(name):
        _history_reason(document, "create").save()
    return document


@transaction.atomic
def placeholder_discard(*, document: Document) -> bool:
    """Delete a placeholder that never received a version, with its history: for the GED it never existed.
    False when it became a document meanwhile."""
    locked = Document.objects.select_for_update().filter(pk=document.pk, placeholder=True).first()
    if locked is None or locked.current_version_id is not None:
        return False
    pk = locked.pk
    locked.delete()
    Document.history.filter(id=pk).delete()
    return True


def placeholders_sweep(*, now=None) -> int:
    """Delete the placeholders no valid lock holds any more (UNLOCK never came, lock expired)."""
    now = now or timezone.now()
    held = DavLock.objects.filter(expires_at__gt=now, document__isnull=False).values("document_id")
    count = 0
    stale = Document.objects.filter(
        placeholder=True, current_version__isnull=True, created_at__lt=now - PLACEHOLDER_GRACE
    ).exclude(pk__in=held)
    for document in stale.only("pk"):
        count += placeholder_discard(document=document)
    return count


# --- The storage ----------------------------------------------------------------------------------------


def _max_timeout() -> int:
    return int(settings.GED_LOCK_MINUTES) * 60


def _owner_xml(user) -> bytes:
    name = escape(user.get_full_name() or user.get_username())
    return f'<D:owner xmlns:D="DAV:">{name}</D:owner>'.encode()


def _locked(root: str) -> DAVError:
    condition = DAVErrorCondition(LOCK_CONFLICT)
    condition.add_href(root)
    return DAVError(HTTP_LOCKED, err_condition=condition)


def _checkout(document: Document, user, timeout: int, *, only_longer: bool = False) -> None:
    """Check `document` out to `user` for `timeout` seconds (document_lock). `only_longer`: a check-out the
    agent took on the web is extended, never shortened, by a DAV lock riding it."""
    if only_longer and document.lock_expires_at >= timezone.now() + timedelta(seconds=timeout):
        return
    document_lock(document=document, actor=user, minutes=math.ceil(timeout / 60))


def visible(user, target: Document | Folder) -> bool:
    """Whether `user` sees `target` over DAV: a document they may read (a placeholder: its creator only), a
    folder they may enter (the GED's permission functions)."""
    if isinstance(target, Document):
        if target.placeholder and target.created_by_id != user.pk:
            return False
        return bool(document_access(user, target).abilities.get("read"))
    return bool(folder_access(user, target).abilities.get("enter"))


def check_lockable(user, target: Document | Folder) -> None:
    """Raise unless `user` may lock `target` (a new lock or a refresh): a document needs the web's check-out
    right (the `lock` ability, or `upload_version` for the holder of its check-out), a folder the right to add
    documents to it (`upload`, as `placeholder_create`). Hidden: 404; readable but not writable: 403; a
    document checked out by someone else, for an agent who may not lock it anyway: 423 (as a PUT)."""
    if isinstance(target, Document):
        if target.placeholder and target.created_by_id != user.pk:
            raise not_found()
        abilities = document_access(user, target).abilities
        if not abilities.get("read"):
            raise not_found()
        if abilities.get("lock") or abilities.get("upload_version"):
            return
        if target.lock_active() and target.lock_holder_id != user.pk:
            raise locked()
        raise forbidden(
            _("Vous ne pouvez pas réserver ce document : vos droits ne permettent pas de le modifier.")
        )
    abilities = folder_access(user, target).abilities
    if not abilities.get("enter"):
        raise not_found()
    if not abilities.get("upload"):
        raise forbidden(
            _(
                "Vous ne pouvez pas verrouiller ce dossier : vos droits ne permettent pas d'y déposer "
                "de document."
            )
        )


def _hidden_conflict() -> DAVError:
    """423 for a conflicting lock on something the agent may not see: neither its path nor its name."""
    return locked(_("Un élément de ce dossier est réservé : réessayez plus tard."))


class GedLockStorage:
    """wsgidav lock storage over `DavLock` rows and the GED's check-outs (see the module docstring)."""

    def __repr__(self):
        return self.__class__.__name__

    def open(self):
        pass

    def close(self):
        pass

    def cleanup(self):
        """Delete expired rows and the placeholders they held."""
        now = timezone.now()
        DavLock.objects.filter(expires_at__lte=now).delete()
        placeholders_sweep(now=now)
        forget_cached("locks")

    def clear(self):
        DavLock.objects.all().delete()
        forget_cached("locks")

    # --- reading

    def _snapshot(self) -> list[dict]:
        cache = request_cache()
        if cache is not None and "locks" in cache:
            return cache["locks"]
        now = timezone.now()
        rows = list(
            DavLock.objects.filter(expires_at__gt=now)
            .filter(
                Q(document__isnull=False, document__trashed_at__isnull=True)
                | Q(folder__isnull=False, folder__trashed_at__isnull=True)
                | Q(document__isnull=True, folder__isnull=True)
            )
            .select_related("document__folder", "folder")
        )
        taken = {row.document_id for row in rows if row.checkout}
        me = (request_environ() or {}).get(USER_KEY)
        checkouts = list(
            Document.objects.untrashed()
            .filter(lock_holder__isnull=False, lock_expires_at__gt=now)
            .exclude(pk__in=taken)
            .select_related("folder", "lock_holder")
        )
        valid = [
            row
            for row in rows
            if not row.checkout
            or (row.document.lock_holder_id == row.user_id and row.document.lock_active(now))
        ]
        urls = (
            ref_urls(
                documents=[r.document for r in valid if r.document_id] + checkouts,
                folders=[r.folder for r in valid if r.folder_id],
            )
            if valid or checkouts
            else {}
        )
        locks = []
        for row in valid:
            if row.document_id or row.folder_id:
                key = ("document", row.document_id) if row.document_id else ("folder", row.folder_id)
                if key not in urls:
                    continue
                root = urls[key]
            else:
                root = row.root  # a name kept out of the GED (scratch.py): the URL is all there is
            locks.append(
                {
                    "root": root,
                    "type": "write",
                    "scope": row.scope,
                    "depth": row.depth,
                    "owner": row.owner.encode(),
                    "timeout": row.timeout,
                    "expire": row.expires_at.timestamp(),
                    "principal": row.principal,
                    "token": row.token,
                    "ged_row": row.pk,
                    "ged_user": row.user_id,
                    "ged_target": row.document or row.folder,
                }
            )
        for document in checkouts:
            if ("document", document.pk) not in urls:
                continue
            expire = document.lock_expires_at.timestamp()
            locks.append(
                {
                    "root": urls[("document", document.pk)],
                    "type": "write",
                    "scope": "exclusive",
                    "depth": "0",
                    "owner": _owner_xml(document.lock_holder),
                    "timeout": max(1, int(expire - now.timestamp())),
                    "expire": expire,
                    "principal": document.lock_holder.get_username(),
                    "token": f"{CHECKOUT_TOKEN}{document.pk}",
                    "ged_document": document.pk,
                    "ged_user": document.lock_holder_id,
                    "ged_target": document,
                    # The holder's own requests do not see it (get_lock_list): their saves pass.
                    "ged_mine": me is not None and document.lock_holder_id == me.pk,
                }
            )
        if cache is not None:
            cache["locks"] = locks
        return locks

    def get(self, token):
        """The valid lock of `token`, or None (expired, released, or its check-out ended)."""
        for lock in self._snapshot():
            if lock["token"] == token:
                return dict(lock)
        return None

    def get_lock_list(self, path, *, include_root, include_children, token_only):
        """The locks on `path` and, with `include_children`, below it. Below it, the request's agent never
        learns of a lock on what they may not see (a restricted sub-folder's document, another agent's
        scratch file): wsgidav's conflict checks (children only) get a 423 naming nothing
        (`_hidden_conflict`), any other listing leaves it out."""
        path = normalize_lock_root(path)
        me = (request_environ() or {}).get(USER_KEY)
        found, hidden = [], False
        for lock in self._snapshot():
            if lock.get("ged_mine"):
                continue
            root = lock["root"]
            if include_root and root == path:
                pass
            elif include_children and util.is_child_uri(path, root):
                if me is not None and not self._visible(lock, me):
                    hidden = True
                    continue
            else:
                continue
            found.append(lock["token"] if token_only else dict(lock))
        if hidden and not include_root:
            raise _hidden_conflict()
        return found

    def _visible(self, lock: dict, user) -> bool:
        """Whether `user` may see the resource a lock is on (cached for the request)."""
        target = lock.get("ged_target")
        if target is None:  # a name kept out of the GED: the agent's own scratch files only
            return lock.get("ged_user") == user.pk
        cache = request_cache()
        key = f"lock-visible:{type(target).__name__}:{target.pk}:{user.pk}"
        if cache is not None and key in cache:
            return cache[key]
        seen = visible(user, target)
        if cache is not None:
            cache[key] = seen
        return seen

    # --- writing

    def _user(self, principal: str):
        # App passwords take the user name in any case: the request's agent is the principal.
        environ = request_environ() or {}
        user = environ.get(USER_KEY)
        if user is not None and user.get_username().casefold() == principal.casefold():
            return user
        return get_user_model()._default_manager.get(username__iexact=principal)

    def _timeout(self, timeout) -> int:
        timeout = float(timeout) if timeout is not None else -1
        if timeout < 0 or timeout > _max_timeout():
            return _max_timeout()
        return max(1, int(timeout))

    def create(self, path, lock):
        """Store a new lock on `path` (normalized); an exclusive lock on a document is its check-out.

        A conflict found here (another process locked first, or a web check-out by someone else) answers
        423 Locked."""
        assert lock.get("token") is None
        path = normalize_lock_root(path)
        timeout = self._timeout(lock.get("timeout"))
        user = self._user(lock["principal"])
        now = timezone.now()
        DavLock.objects.filter(expires_at__lte=now).delete()
        placeholders_sweep(now=now)
        target = resolve(path)
        if target is None:
            target = self._placeholder(path, user)
        else:
            try:
                check_lockable(user, target)
            except DAVError as exc:
                if exc.value != HTTP_NOT_FOUND:
                    raise
                # The name of something hidden (wsgidav took it for an unmapped URL): neither a lock on it
                # nor a placeholder under its name.
                raise forbidden() from None
        document = target if isinstance(target, Document) else None
        folder = target if isinstance(target, Folder) else None
        checkout = document is not None and lock["scope"] == "exclusive"
        # The agent checked the document out on the web: this lock rides that check-out (see the docstring).
        kept = checkout and document.lock_holder_id == user.pk and document.lock_active(now)
        token = (KEPT_TOKEN if kept else "opaquelocktoken:") + secrets.token_hex(16)
        try:
            with transaction.atomic():
                if checkout:
                    _checkout(document, user, timeout, only_longer=kept)
                DavLock.objects.create(
                    token=token,
                    root=path,
                    principal=lock["principal"],
                    user=user,
                    document=document,
                    folder=folder,
                    scope=lock["scope"],
                    depth=lock["depth"],
                    owner=util.to_str(lock.get("owner") or b""),
                    timeout=timeout,
                    expires_at=now + timedelta(seconds=timeout),
                    checkout=checkout,
                )
        except (ValidationError, IntegrityError):
            raise _locked(path) from None
        finally:
            forget_cached("locks")
        lock.update(
            root=path, timeout=timeout, expire=(now + timedelta(seconds=timeout)).timestamp(), token=token
        )
        return lock

    def _placeholder(self, path: str, user) -> Document | None:
        """LOCK on an unmapped URL (RFC 4918 7.3): the placeholder document it reserves. None for the names
        kept out of the GED (`scratch.py`: `~$` owner files, `._*`…), whose lock is a row on the URL alone."""
        parent_url, _sep, quoted = path.rpartition("/")
        name = unquote(quoted)
        parent = resolve(parent_url)
        if not isinstance(parent, Folder) or is_scratch_name(name):
            return None
        try:
            return placeholder_create(folder=parent, name=name, user=user)
        except PermissionDenied:
            raise DAVError(HTTP_FORBIDDEN) from None
        except ValidationError as exc:
            raise FrenchDAVError(HTTP_FORBIDDEN, " ".join(exc.messages)) from None

    def refresh(self, token, *, timeout):
        """A new timeout for the lock of `token`, by its owner only (a check-out's expiry moves with it)."""
        lock = self.get(token)
        if lock is None:
            raise ValueError(f"Lock not found: {token}")
        environ = request_environ() or {}
        user = environ.get(USER_KEY)
        if user is not None and user.get_username().casefold() != lock["principal"].casefold():
            raise DAVError(HTTP_FORBIDDEN)
        target = lock.get("ged_target")
        if user is not None and target is not None:
            check_lockable(user, target)  # rights lost since the lock was taken: no refresh
        timeout = self._timeout(timeout)
        now = timezone.now()
        try:
            with transaction.atomic():
                if "ged_document" in lock:  # a web check-out, refreshed from DAV by its holder
                    document = Document.objects.get(pk=lock["ged_document"])
                    _checkout(document, self._user(lock["principal"]), timeout)
                else:
                    row = DavLock.objects.select_related("document", "user").get(pk=lock["ged_row"])
                    if row.checkout:
                        _checkout(
                            row.document, row.user, timeout, only_longer=row.token.startswith(KEPT_TOKEN)
                        )
                    row.timeout, row.expires_at = timeout, now + timedelta(seconds=timeout)
                    row.save(update_fields=["timeout", "expires_at"])
        except ValidationError:
            raise _locked(lock["root"]) from None
        finally:
            forget_cached("locks")
        lock.update(timeout=timeout, expire=(now + timedelta(seconds=timeout)).timestamp())
        return lock

    def delete(self, token):
        """Release a lock: a check-out ends (as the web's « Libérer » does), a placeholder that never got a
        version goes. False when there is no such valid lock."""
        lock = self.get(token)
        try:
            if lock is None:
                DavLock.objects.filter(token=token).delete()
                return False
            with transaction.atomic():
                if "ged_document" in lock:
                    document = Document.objects.get(pk=lock["ged_document"])
                    document_unlock(document=document, actor=self._user(lock["principal"]))
                    return True
                row = DavLock.objects.select_related("document", "user").get(pk=lock["ged_row"])
                document = row.document
                row.delete()
                if row.checkout and not row.token.startswith(KEPT_TOKEN):
                    document_unlock(document=document, actor=row.user)
                if document is not None and document.placeholder:
                    others = DavLock.objects.filter(document=document, expires_at__gt=timezone.now())
                    if not others.exists():
                        placeholder_discard(document=document)
            return True
        finally:
            forget_cached("locks")
