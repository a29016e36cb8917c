"""GED writes for online editing (OnlyOffice): editor keys, session state, versions saved from the editor,
conflict versions, and the Document Server commands these changes cause (core outbox rows, written in the
cause's transaction, performed later by `outbox_worker`).

The adapter (`ged/onlyoffice/`) speaks the protocol and calls these; it writes no row itself.

The key rule (onlyoffice.md §3): a key retired by its own stored status-2 save refuses new content; a key
retired by an out-of-band change (upload, restore, check-out) while its session was open keeps accepting that
session's saves, stored as versions marked as conflicts, so that no co-edit is ever lost.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.notifications.actions import notify
from intranet.outbox.actions import outbox_add

from .choices import Role
from .models import Document, EditorKey, Folder, OnlineSave, Version
from .permissions import at_least, document_access, users_who_may
from .uploads import StagedFile

logger = logging.getLogger(__name__)

FORCESAVE_KIND = "ged.onlyoffice.forcesave"
DROP_KIND = "ged.onlyoffice.drop"
INTERRUPTIONS = {"upload", "restore", "checkout"}


def _user_ids(values) -> list[int]:
    return [int(v) for v in values or [] if str(v).isdigit()]


def may_contribute(user, document: Document) -> bool:
    """The role lets `user` add versions to `document` (a check-out by someone else aside): what an editor
    of an open session must keep to stay in it, and to have its save kept as a conflict version."""
    if user is None or not user.is_active or document.trashed_at is not None:
        return False
    return at_least(document_access(user, document).role, Role.CONTRIBUTOR)


# --- Keys and sessions ----------------------------------------------------------------------------------


def editor_key_issue(document: Document) -> EditorKey:
    """The key co-editors of the current version share; a new one if the current one was retired or a
    version arrived since it was issued, so the Document Server never serves a stale cache."""
    from .onlyoffice.config import new_key

    with transaction.atomic():
        locked = Document.objects.select_for_update().only("id", "current_version_id").get(pk=document.pk)
        current = EditorKey.objects.filter(document_id=locked.pk, retired_at__isnull=True).first()
        if current is not None and current.version_id == locked.current_version_id:
            return current
        if current is not None:
            # Its editors are kept: a late save of that session is still told to them (conflict).
            EditorKey.objects.filter(pk=current.pk).update(retired_at=timezone.now())
        return EditorKey.objects.create(
            key=new_key(), document_id=locked.pk, version_id=locked.current_version_id
        )


def editor_key_seen(ek: EditorKey, editors: list[str]) -> None:
    """Status 1 or 4: who is connected in edit mode now, also under a key retired by an out-of-band change
    (its session goes on until they leave); a key closed by its own save keeps no editors."""
    EditorKey.objects.filter(pk=ek.pk, closed_by_save=False).update(editors=editors)


def session_interrupt(*, document: Document, cause: str, actor) -> None:
    """An out-of-band change of `document` (call inside its transaction): the open session's key is retired
    as interrupted (its later saves become conflict versions) and the Document Server is asked, through the
    outbox, to force-save what the session holds now."""
    open_keys = EditorKey.objects.select_for_update().filter(document_id=document.pk, retired_at__isnull=True)
    ek = open_keys.first()
    if ek is None:
        return
    editors = _user_ids(ek.editors)
    if cause == "checkout" and actor is not None and editors == [actor.pk]:
        return  # the only editor checking the document out for itself: its own session goes on
    EditorKey.objects.filter(pk=ek.pk).update(
        retired_at=timezone.now(), interruption=cause, interrupted_by=actor
    )
    if editors:
        outbox_add(kind=FORCESAVE_KIND, payload={"key": ek.key}, dedupe_key=f"forcesave:{ek.key}")


def _open_session_keys(documents) -> list[EditorKey]:
    keys = EditorKey.objects.filter(document__in=documents, closed_by_save=False).only("id", "key", "editors")
    return [ek for ek in keys if ek.editors]


def sessions_recheck(*, folder: Folder | None = None, user=None) -> int:
    """Rights changed (a grant revoked or changed on `folder`, or `user` deactivated): for every possibly open
    session concerned, an outbox row whose performer drops the editors who may no longer edit, decided when it
    runs. Call inside the transaction of the change. Returns the number of rows written."""
    if folder is not None:
        documents = Document.objects.filter(space_id=folder.space_id, folder__path__startswith=folder.path)
        keys = _open_session_keys(documents)
    else:
        keys = [
            ek
            for ek in _open_session_keys(Document.objects.all())
            if user is not None and user.pk in _user_ids(ek.editors)
        ]
    for ek in keys:
        outbox_add(kind=DROP_KIND, payload={"key": ek.key}, dedupe_key=f"drop:{ek.key}")
    return len(keys)


def sessions_recheck_users(user_ids) -> int:
    """`user_ids` lost something that may have carried edit rights (a group membership): for every possibly
    open session one of them edits, an outbox row whose performer drops the editors who may no longer edit,
    decided when it runs. Call inside the transaction of the change. Returns the number of rows written."""
    wanted = {int(pk) for pk in user_ids or ()}
    if not wanted:
        return 0
    keys = [ek for ek in _open_session_keys(Document.objects.all()) if wanted & set(_user_ids(ek.editors))]
    for ek in keys:
        outbox_add(kind=DROP_KIND, payload={"key": ek.key}, dedupe_key=f"drop:{ek.key}")
    return len(keys)


def editors_who_lost_rights(ek: EditorKey) -> list[str]:
    """The session's editors (as the Document Server knows them: user ids as strings) who may not edit now."""
    from django.contrib.auth import get_user_model

    ids = _user_ids(ek.editors)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}
    return [str(i) for i in ids if not may_contribute(users.get(i), ek.document)]


# --- Versions saved from the editor ---------------------------------------------------------------------


@dataclass
class StoreResult:
    outcome: str  # "stored", "duplicate" or "refused"
    version: Version | None = None
    conflict: bool = False


def _conflict_comment(ek: EditorKey) -> str:
    who = ek.interrupted_by.get_full_name() or ek.interrupted_by.username if ek.interrupted_by else ""
    if who and ek.interruption == "upload":
        cause = _("%(who)s déposait une nouvelle version") % {"who": who}
    elif who and ek.interruption == "restore":
        cause = _("%(who)s restaurait une version") % {"who": who}
    elif who and ek.interruption == "checkout":
        cause = _("%(who)s réservait le document") % {"who": who}
    else:
        cause = _("le document était modifié autrement (dépôt, restauration ou réservation)")
    return _("Version en conflit — enregistrée depuis l'éditeur en ligne pendant que %(cause)s.") % {
        "cause": cause
    }


def online_version_store(
    *,
    ek: EditorKey,
    staged: StagedFile,
    status: int,
    author,
    history: dict,
    changes: bytes | None,
    recovered: bool = False,
) -> StoreResult:
    """Store a file saved by the Document Server under `ek` (status 2 or 6, or a forgotten file when
    `recovered`), under the document row lock. The same file again is a duplicate (nothing new). Database
    errors propagate: the caller answers so that the Document Server tries again."""
    from .actions import version_create

    with transaction.atomic():
        # The document row lock serialises this with uploads, restores and a duplicate callback.
        locked = Document.objects.select_for_update().get(pk=ek.document_id)
        fresh = EditorKey.objects.select_related("interrupted_by").get(pk=ek.pk)
        duplicate = fresh.saved_sha256 == staged.sha256 or (
            OnlineSave.objects.filter(key=fresh.key, version__blob_id=staged.sha256).exists()
        )
        if duplicate:
            if status == 2 and not fresh.closed_by_save:
                EditorKey.objects.filter(pk=fresh.pk).update(
                    retired_at=fresh.retired_at or timezone.now(), closed_by_save=True, editors=[]
                )
            return StoreResult("duplicate")
        if fresh.closed_by_save and not recovered:
            logger.warning("onlyoffice save refused: key %s closed by its own save", fresh.key)
            return StoreResult("refused")
        locked_by_other = locked.lock_active() and (author is None or locked.lock_holder_id != author.pk)
        conflict = (
            fresh.retired_at is not None or fresh.version_id != locked.current_version_id or locked_by_other
        )
        if conflict:
            comment = _conflict_comment(fresh)
        elif author is not None:
            comment = _("Modifié en ligne par %(name)s") % {"name": author.get_full_name() or author.username}
        else:
            comment = _("Récupéré du serveur d'édition en ligne")
        version = version_create(
            document=locked,
            uploaded_file_or_path=staged,
            author=author,
            comment=comment,
            online=True,
            conflict=conflict,
        )
        OnlineSave.objects.create(
            version=version, key=fresh.key, status=status, history=history, changes_zip=changes
        )
        update = {"saved_sha256": staged.sha256}
        if not conflict:
            update["version"] = version  # a force-save moves the session forward, same key
        if status == 2:
            update.update(retired_at=fresh.retired_at or timezone.now(), closed_by_save=True, editors=[])
        EditorKey.objects.filter(pk=fresh.pk).update(**update)
        if conflict:
            _notify_conflict(document=locked, ek=fresh, version=version, author=author, history=history)
    return StoreResult("stored", version=version, conflict=conflict)


def _history_user_ids(history: dict) -> list[str]:
    """Who made the changes of this save (the DS's `history.changes[].user.id`)."""
    changes = history.get("changes") if isinstance(history, dict) else None
    users = [c.get("user") for c in changes or [] if isinstance(c, dict)]
    return [str(u.get("id")) for u in users if isinstance(u, dict) and u.get("id") is not None]


def _notify_conflict(*, document: Document, ek: EditorKey, version: Version, author, history: dict) -> None:
    """The session's editors and whoever made the out-of-band change hear of it, if they may read it now."""
    recipients = set(_user_ids(ek.editors)) | set(_user_ids(_history_user_ids(history)))
    if author is not None:
        recipients.add(author.pk)
    if ek.interrupted_by_id:
        recipients.add(ek.interrupted_by_id)
    notify(
        recipients=users_who_may(recipients, document=document),
        verb="ged.onlyoffice.conflict",
        text=_(
            "« %(title)s » : la version %(n)s a été enregistrée depuis l'éditeur en ligne alors qu'une autre "
            "version venait d'être déposée, restaurée ou réservée. Rien n'est perdu : comparez les deux "
            "versions dans l'historique."
        )
        % {"title": document.title, "n": version.number},
        url=reverse("ged:document", args=[document.pk]),
    )


def _manager_ids(document: Document) -> set[int]:
    """Active agents with the manager role on the document's folder or above, directly or by group."""
    from django.contrib.auth import get_user_model

    from .models import FolderGroupObjectPermission, FolderUserObjectPermission
    from .permissions import ancestor_paths

    where = {
        "content_object__path__in": ancestor_paths(document.folder.path),
        "content_object__space_id": document.space_id,
        "permission__codename": f"role_{Role.MANAGER.value}",
    }
    direct = FolderUserObjectPermission.objects.filter(**where, user__is_active=True)
    groups = FolderGroupObjectPermission.objects.filter(**where).values("group_id")
    by_group = get_user_model().objects.filter(groups__in=groups, is_active=True)
    return set(direct.values_list("user_id", flat=True)) | set(by_group.values_list("pk", flat=True))


def notify_save_error(*, document: Document, ek: EditorKey, users) -> None:
    """The Document Server could not build the file (status 3 or 7): the session's editors are told."""
    recipients = set(_user_ids(users)) | set(_user_ids(ek.editors))
    notify(
        # Only those who may still read the document now hear of it (its title is in the text).
        recipients=users_who_may(recipients, document=document),
        verb="ged.onlyoffice.error",
        text=_(
            "L'enregistrement en ligne de « %(title)s » a échoué : la version actuelle est conservée. "
            "Rouvrez le document et enregistrez à nouveau, ou téléchargez votre copie."
        )
        % {"title": document.title},
        url=reverse("ged:document", args=[document.pk]),
    )


def notify_save_refused(*, document: Document) -> None:
    """A save whose author may no longer edit: the managers are told (the file stays with the Document
    Server, `onlyoffice_recover` can import it)."""
    notify(
        recipients=users_who_may(_manager_ids(document), document=document),
        verb="ged.onlyoffice.refused",
        text=_(
            "Un enregistrement en ligne de « %(title)s » a été refusé : son auteur n'a plus le droit de "
            "modifier ce document. Vérifiez les accès du dossier."
        )
        % {"title": document.title},
        url=reverse("ged:document", args=[document.pk]),
    )
