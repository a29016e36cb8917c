"""Every write of the GED. Views, API, commands and tasks call these; each runs in a transaction, records
history and audit, notifies, and schedules side effects on commit."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record
from intranet.notifications.actions import notify

from . import storage
from .choices import Role, SpacePolicy
from .models import (
    Blob,
    Document,
    Folder,
    FolderGroupObjectPermission,
    FolderUserObjectPermission,
    Follow,
    Space,
    Version,
)
from .names import clean_name
from .permissions import ancestor_paths, forget_grants, manages_space, users_who_may
from .uploads import StagedFile, stage

User = get_user_model()


class StaleVersion(Exception):
    """The client edited an older version than the current one (HTTP 409)."""

    def __init__(self, current: int):
        super().__init__(current)
        self.current = current

    @property
    def message(self) -> str:
        return _(
            "Ce document a changé depuis que vous l'avez ouvert (version actuelle : %(n)s). "
            "Téléchargez la dernière version, reportez vos modifications, puis envoyez-la à nouveau."
        ) % {"n": self.current}


def _history_reason(obj, reason: str):
    obj._change_reason = reason
    return obj


def role_permission(role: Role) -> Permission:
    ct = ContentType.objects.get_for_model(Folder)
    perm, _created = Permission.objects.get_or_create(
        content_type=ct, codename=f"role_{Role(role).value}", defaults={"name": f"Role {Role(role).value}"}
    )
    return perm


# --- Spaces and folders ---------------------------------------------------------------------------------


@transaction.atomic
def space_create(
    *, name: str, slug: str, policy=SpacePolicy.PRIVATE, department=None, creator=None, description=""
) -> Space:
    name = clean_name(name)[:200]
    if Space.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("Un espace porte déjà cet identifiant : choisissez-en un autre.")})
    space = Space(name=name, slug=slug, policy=policy, department=department, description=description)
    space.full_clean(exclude=["root"])
    _history_reason(space, "create").save()
    root = Folder.add_root(space=space, name=name, created_by=creator)
    space.root = root
    _history_reason(space, "root").save(update_fields=["root"])
    if creator is not None:
        grant_set(folder=root, role=Role.MANAGER, user=creator, actor=creator, notify_grantee=False)
    if department is not None:
        grant_set(
            folder=root, role=Role.CONTRIBUTOR, group=department.group, actor=creator, notify_grantee=False
        )
    audit_record(action="ged.space.create", actor=creator, obj=space, extra={"space": space.pk})
    return space


def _sibling_names(parent: Folder, exclude_pk=None) -> set[str]:
    qs = Folder.objects.filter(path__startswith=parent.path, depth=parent.depth + 1, trashed_at__isnull=True)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return {n.casefold() for n in qs.values_list("name", flat=True)}


@transaction.atomic
def folder_create(*, parent: Folder, name: str, actor) -> Folder:
    name = clean_name(name)
    if name.casefold() in _sibling_names(parent):
        raise ValidationError(
            {"name": _("Un dossier « %(name)s » existe déjà ici : choisissez un autre nom.") % {"name": name}}
        )
    parent = Folder.objects.select_for_update().get(pk=parent.pk)  # serialises treebeard's path allocation
    folder = parent.add_child(space_id=parent.space_id, name=name, created_by=actor)
    return folder


@transaction.atomic
def folder_rename(*, folder: Folder, name: str, actor) -> Folder:
    name = clean_name(name)
    if folder.depth > 1:
        parent = folder.get_parent()
        if name.casefold() in _sibling_names(parent, exclude_pk=folder.pk):
            raise ValidationError(
                {
                    "name": _("Un dossier « %(name)s » existe déjà ici : choisissez un autre nom.")
                    % {"name": name}
                }
            )
    folder.name = name
    _history_reason(folder, "rename").save(update_fields=["name"])
    return folder


@transaction.atomic
def folder_move(*, folder: Folder, target: Folder, actor) -> Folder:
    """Move a folder (and its subtree, documents included) under `target`. Across spaces only for a manager of
    both; never into itself or a descendant."""
    if folder.depth == 1:
        raise ValidationError(_("Le dossier racine d'un espace ne peut pas être déplacé."))
    if target.path.startswith(folder.path):
        raise ValidationError(
            _("Un dossier ne peut pas être déplacé dans lui-même ni dans l'un de ses sous-dossiers.")
        )
    if target.space_id != folder.space_id and not (
        manages_space(actor, folder.space_id) and manages_space(actor, target.space_id)
    ):
        raise ValidationError(
            _("Seul un gestionnaire des deux espaces peut déplacer un dossier d'un espace à l'autre.")
        )
    if folder.name.casefold() in _sibling_names(target):
        raise ValidationError(
            _("Un dossier « %(name)s » existe déjà dans la destination.") % {"name": folder.name}
        )
    old_space = folder.space_id
    target = Folder.objects.get(
        pk=target.pk
    )  # fresh numchild/path: treebeard computes the new path from them
    list(
        Folder.objects.select_for_update().filter(pk__in=[folder.pk, target.pk]).values_list("pk", flat=True)
    )
    folder.move(target, pos="last-child")
    folder.refresh_from_db()
    if target.space_id != old_space:
        subtree = Folder.objects.filter(path__startswith=folder.path)
        subtree.update(space_id=target.space_id)
        Document.objects.filter(folder__in=subtree.values("pk")).update(space_id=target.space_id)
        folder.space_id = target.space_id
    _history_reason(folder, "move").save()
    audit_record(
        action="ged.folder.move", actor=actor, obj=folder, extra={"space": folder.space_id, "to": target.pk}
    )
    return folder


@transaction.atomic
def folder_delete(*, folder: Folder, actor) -> Folder:
    """Soft-delete an empty folder. Its trashed documents restore into the nearest surviving ancestor, which
    never widens access only if the deleted folder was not restricted: so a restricted folder cannot be
    deleted while documents of it (or of its deleted subfolders) are in the trash (docs/ged.md)."""
    if folder.depth == 1:
        raise ValidationError(_("Le dossier racine d'un espace ne peut pas être supprimé."))
    if folder.restricted and Document.objects.trashed().filter(folder__path__startswith=folder.path).exists():
        raise ValidationError(
            _(
                "Ce dossier à accès restreint a encore des documents dans la corbeille : restaurez-les ou "
                "faites-les supprimer définitivement par un gestionnaire avant de supprimer le dossier, "
                "pour qu'ils ne deviennent jamais lisibles par plus de monde."
            )
        )
    live_children = Folder.objects.filter(
        path__startswith=folder.path, depth__gt=folder.depth, trashed_at__isnull=True
    ).exists()
    live_docs = Document.objects.live().filter(folder__path__startswith=folder.path).exists()
    if live_children or live_docs:
        raise ValidationError(
            _(
                "Ce dossier n'est pas vide : mettez d'abord ses "
                "documents à la corbeille et supprimez ses sous-dossiers."
            )
        )
    folder.trashed_at = timezone.now()
    _history_reason(folder, "delete").save(update_fields=["trashed_at"])
    audit_record(action="ged.folder.delete", actor=actor, obj=folder, extra={"space": folder.space_id})
    return folder


@transaction.atomic
def folder_restrict(*, folder: Folder, restricted: bool, actor, request=None) -> Folder:
    if folder.depth == 1:
        raise ValidationError(
            _("La racine d'un espace ne peut pas être restreinte : changez plutôt la visibilité de l'espace.")
        )
    folder.restricted = restricted
    _history_reason(folder, "restrict" if restricted else "unrestrict").save(update_fields=["restricted"])
    audit_record(
        action="ged.folder.restrict",
        actor=actor,
        request=request,
        obj=folder,
        extra={"space": folder.space_id, "restricted": restricted},
    )
    return folder


# --- Grants ---------------------------------------------------------------------------------------------


@transaction.atomic
def grant_set(
    *, folder: Folder, role, actor, user=None, group=None, request=None, notify_grantee: bool = True
):
    """Give `role` to an agent or a group on `folder`, replacing the role they had there."""
    role = Role(role)
    if (user is None) == (group is None):
        raise ValidationError(_("Choisissez un agent ou un service."))
    if user is not None and not user.is_active:
        raise ValidationError(_("Ce compte est désactivé : impossible de lui donner un accès."))
    perm = role_permission(role)
    if user is not None:
        FolderUserObjectPermission.objects.filter(content_object=folder, user=user).delete()
        grant = FolderUserObjectPermission.objects.create(
            content_object=folder, user=user, permission=perm, granted_by=actor
        )
        recipients = [user]
    else:
        FolderGroupObjectPermission.objects.filter(content_object=folder, group=group).delete()
        grant = FolderGroupObjectPermission.objects.create(
            content_object=folder, group=group, permission=perm, granted_by=actor
        )
        recipients = list(group.user_set.filter(is_active=True).values_list("pk", flat=True))
    if actor is not None:
        forget_grants(actor)
    audit_record(
        action="ged.grant",
        actor=actor,
        request=request,
        obj=folder,
        extra={
            "space": folder.space_id,
            "role": role.value,
            "user": getattr(user, "pk", None),
            "group": getattr(group, "pk", None),
        },
    )
    if notify_grantee and recipients:
        url = reverse("ged:folder", args=[folder.pk])
        recipients = users_who_may(recipients, folder=folder, need="enter")
        notify(
            recipients=[r for r in recipients if r != getattr(actor, "pk", None)],
            verb="ged.share",
            text=_("%(who)s vous a donné accès à « %(folder)s » (%(role)s).")
            % {
                "who": actor.get_full_name() if actor else _("Le service informatique"),
                "folder": folder.name,
                "role": role.label,
            },
            url=url,
        )
    from .online import sessions_recheck

    sessions_recheck(folder=folder)  # a role lowered to reader: its open editing sessions are dropped
    return grant


@transaction.atomic
def grant_revoke(*, folder: Folder, actor, user=None, group=None, request=None) -> int:
    if user is not None:
        deleted, _rows = FolderUserObjectPermission.objects.filter(content_object=folder, user=user).delete()
    else:
        deleted, _rows = FolderGroupObjectPermission.objects.filter(
            content_object=folder, group=group
        ).delete()
    if folder.depth == 1 and not _has_manager(folder):
        raise ValidationError(
            _("L'espace doit garder au moins un gestionnaire : nommez-en un autre avant de retirer celui-ci.")
        )
    if actor is not None:
        forget_grants(actor)
    audit_record(
        action="ged.revoke",
        actor=actor,
        request=request,
        obj=folder,
        extra={
            "space": folder.space_id,
            "user": getattr(user, "pk", None),
            "group": getattr(group, "pk", None),
        },
    )
    from .online import sessions_recheck

    sessions_recheck(folder=folder)  # whoever lost edit rights leaves the open editing sessions
    return deleted


def _has_manager(root: Folder) -> bool:
    codename = f"role_{Role.MANAGER.value}"
    return (
        FolderUserObjectPermission.objects.filter(
            content_object=root, permission__codename=codename, user__is_active=True
        ).exists()
        or FolderGroupObjectPermission.objects.filter(
            content_object=root, permission__codename=codename
        ).exists()
    )


# --- Documents and versions -----------------------------------------------------------------------------


def _blob_for(staged: StagedFile) -> Blob:
    """Store the staged bytes under their hash (deduplicated) and return the Blob row, locked until the
    caller's transaction ends (if it rolls back, a new file becomes an orphan that ged_cleanup removes).

    The lock is what keeps ged_cleanup away: it skips locked rows, and it removes a file only while holding
    that hash's key itself (`blob_file_remove`), so the file checked here cannot vanish before our version
    commits.
    An existing row whose file is missing (swept or lost) gets the staged bytes written again."""
    for _attempt in range(5):
        blob = Blob.objects.select_for_update().filter(sha256=staged.sha256).first()
        if blob is None:
            try:
                with transaction.atomic():
                    # A new row is "locked" too: any other insert of this key (an upload, ged_cleanup's
                    # claim) waits for our transaction to end.
                    blob = Blob.objects.create(sha256=staged.sha256, size=staged.size)
            except IntegrityError:
                continue  # created (or claimed by ged_cleanup) meanwhile: lock that row instead
        break
    else:
        raise ValidationError(_("Le fichier n'a pas pu être enregistré : réessayez dans un instant."))
    if storage.blob_exists(staged.sha256):
        staged.discard()
    else:
        storage.blob_put(staged.sha256, staged.path)
    return blob


def blobs_sweep(*, older_than: datetime) -> list[str]:
    """Delete the Blob rows no version uses, created before `older_than` (so the row of an upload in
    progress is never taken), then their files once the deletion has committed. Rows locked by an upload
    reusing them are skipped (`skip_locked`); each file goes only through `blob_file_remove`. Returns the
    hashes whose rows were deleted."""
    with transaction.atomic():
        candidates = list(
            Blob.objects.select_for_update(skip_locked=True)
            .filter(created_at__lte=older_than)
            .exclude(sha256__in=Version.objects.values("blob_id"))
            .values_list("sha256", flat=True)
        )
        # Checked again now that the rows are locked: a version committed after the statement above
        # started would not have been seen by it.
        used = set(Version.objects.filter(blob_id__in=candidates).values_list("blob_id", flat=True))
        orphans = [sha for sha in candidates if sha not in used]
        Blob.objects.filter(sha256__in=orphans).delete()
        # After the outermost commit (even when called inside a caller's transaction): a rolled-back
        # deletion must find its files still there.
        transaction.on_commit(lambda: [blob_file_remove(sha) for sha in orphans])
    return orphans


def blob_file_remove(sha256: str) -> bool:
    """Remove a blob's file unless a Blob row holds it. The hash's key is claimed with a row inserted and
    deleted in the same transaction: an upload holding that row (even uncommitted) makes the claim fail
    and the file stays; an upload arriving meanwhile waits for the claim to end, finds the file gone and
    writes it again (`_blob_for`). False when the file was kept."""
    try:
        with transaction.atomic():
            Blob.objects.create(sha256=sha256, size=0)
            storage.blob_delete(sha256)
            Blob.objects.filter(sha256=sha256).delete()
    except IntegrityError:
        return False
    return True


def _followers(document: Document) -> list[int]:
    paths = ancestor_paths(document.folder.path)
    return list(
        Follow.objects.filter(document=document)
        .values_list("user_id", flat=True)
        .union(Follow.objects.filter(folder__path__in=paths).values_list("user_id", flat=True))
    )


def _add_version(
    *,
    document: Document,
    blob: Blob,
    size: int,
    mime_type: str,
    original_name: str,
    author,
    comment: str,
    base_version: int | None,
    created_at: datetime | None,
    restored_from: int | None = None,
    online: bool = False,
    conflict: bool = False,
) -> Version:
    """Call inside a transaction. Locks the document row, checks the base version, numbers the version.

    `online`: saved from the editor (the adapter's callback), anything else is an out-of-band change that
    interrupts an open editing session. `conflict`: an online save kept despite such a change (even under
    someone else's check-out: refusing it would lose the edits)."""
    # Lock the row alone, then read the latest number in a new statement: under READ COMMITTED, a join
    # evaluated while waiting for the lock could miss the version another transaction just committed.
    locked = Document.objects.select_for_update().get(pk=document.pk)
    current = Version.objects.filter(document_id=locked.pk).aggregate(m=Max("number"))["m"] or 0
    if base_version is not None and int(base_version) != current:
        raise StaleVersion(current)
    if not conflict and locked.lock_active() and (author is None or locked.lock_holder_id != author.pk):
        raise ValidationError(
            _(
                "Ce document est réservé par %(who)s jusqu'au %(until)s : "
                "attendez qu'il soit libéré pour envoyer une nouvelle version."
            )
            % {
                "who": locked.lock_holder.get_full_name() if locked.lock_holder else "?",
                "until": timezone.localtime(locked.lock_expires_at).strftime("%d/%m/%Y %H:%M"),
            }
        )
    version = Version.objects.create(
        document=locked,
        number=current + 1,
        blob=blob,
        size=size,
        mime_type=mime_type,
        original_name=original_name[:255],
        author=author,
        comment=(comment or "")[:500],
        created_at=created_at or timezone.now(),
        restored_from=restored_from,
        conflict=conflict,
    )
    if not online and current:  # a first version has no editing session to interrupt
        from .online import session_interrupt

        session_interrupt(document=locked, cause="restore" if restored_from else "upload", actor=author)
    # A plain UPDATE: the version table is the history of contents; no Document history row per version.
    updated_at = max(version.created_at, locked.updated_at) if created_at else timezone.now()
    Document.objects.filter(pk=locked.pk).update(current_version=version, updated_at=updated_at)
    locked.current_version, locked.updated_at = version, updated_at
    document.current_version = version
    document.updated_at = locked.updated_at
    from .tasks import extract_text

    transaction.on_commit(lambda: extract_text.enqueue(version.pk), robust=True)
    if version.number > 1:
        # Decided now, for each follower, by the document's own permission: a follower of the space root
        # hears nothing of a restricted folder it cannot read, nor does one who lost access since.
        followers = users_who_may(
            [uid for uid in _followers(locked) if author is None or uid != author.pk], document=locked
        )
        if followers:
            notify(
                recipients=followers,
                verb="ged.version",
                text=_("Nouvelle version %(n)s de « %(title)s ».")
                % {"n": version.number, "title": locked.title},
                url=reverse("ged:document", args=[locked.pk]),
            )
    return version


def version_create(
    *,
    document: Document,
    uploaded_file_or_path,
    author,
    comment: str = "",
    base_version: int | None = None,
    created_at: datetime | None = None,
    request=None,
    online: bool = False,
    conflict: bool = False,
) -> Version:
    """A new version from an upload, a file or a path (the "
    "OnlyOffice callback reuses this with `online`, see `_add_version`). Stale base -> StaleVersion."""
    staged = stage(uploaded_file_or_path)
    try:
        with transaction.atomic():
            blob = _blob_for(staged)
            version = _add_version(
                document=document,
                blob=blob,
                size=staged.size,
                mime_type=staged.mime_type,
                original_name=staged.name,
                author=author,
                comment=comment,
                base_version=base_version,
                created_at=created_at,
                online=online,
                conflict=conflict,
            )
            audit_record(
                action="ged.version.create",
                actor=author,
                request=request,
                obj=document,
                extra={"space": document.space_id, "version": version.number},
            )
    finally:
        staged.discard()
    return version


def _unique_title(folder: Folder, title: str) -> str:
    return title


def document_upload(
    *,
    folder: Folder,
    uploaded_file_or_path,
    author,
    comment: str = "",
    title: str | None = None,
    created_at: datetime | None = None,
    request=None,
    import_key: str | None = None,
) -> tuple[Document, Version]:
    """Add a file to a folder. A live document with the same name becomes a new version: nothing is ever
    overwritten, which is what the old file share did."""
    staged = stage(uploaded_file_or_path)
    title = clean_name(title or staged.name)
    try:
        with transaction.atomic():
            blob = _blob_for(staged)
            document = Document.objects.filter(folder=folder, title__iexact=title).live().first()
            if document is None:
                now = created_at or timezone.now()
                document = Document(
                    title=title,
                    folder=folder,
                    space_id=folder.space_id,
                    created_by=author,
                    created_at=now,
                    updated_at=now,
                    import_key=import_key,
                )
                _history_reason(document, "create").save()
            version = _add_version(
                document=document,
                blob=blob,
                size=staged.size,
                mime_type=staged.mime_type,
                original_name=staged.name,
                author=author,
                comment=comment,
                base_version=None,
                created_at=created_at,
            )
            audit_record(
                action="ged.upload",
                actor=author,
                request=request,
                obj=document,
                extra={"space": folder.space_id, "version": version.number},
            )
    finally:
        staged.discard()
    return document, version


@transaction.atomic
def version_restore(*, version: Version, actor, request=None) -> Version:
    """Restoring an old version creates a new one with the same content: history only grows."""
    document = version.document
    new = _add_version(
        document=document,
        blob=version.blob,
        size=version.size,
        mime_type=version.mime_type,
        original_name=version.original_name,
        author=actor,
        comment=_("Restauration de la version %(n)s") % {"n": version.number},
        base_version=None,
        created_at=None,
        restored_from=version.number,
    )
    audit_record(
        action="ged.version.restore",
        actor=actor,
        request=request,
        obj=document,
        extra={"space": document.space_id, "from": version.number, "version": new.number},
    )
    return new


@transaction.atomic
def version_milestone(*, version: Version, label: str, actor) -> Version:
    version.milestone = " ".join((label or "").split())[:100]
    Version.objects.filter(pk=version.pk).update(milestone=version.milestone)
    audit_record(
        action="ged.version.milestone",
        actor=actor,
        obj=version.document,
        extra={"space": version.document.space_id, "version": version.number, "label": version.milestone},
    )
    return version


@transaction.atomic
def document_update(
    *,
    document: Document,
    actor,
    title: str | None = None,
    description: str | None = None,
    tags: str | None = None,
) -> Document:
    fields = []
    if title is not None:
        title = clean_name(title)
        if (
            Document.objects.live()
            .filter(folder_id=document.folder_id, title__iexact=title)
            .exclude(pk=document.pk)
            .exists()
        ):
            raise ValidationError(
                {"title": _("Un document « %(name)s » existe déjà dans ce dossier.") % {"name": title}}
            )
        document.title = title
        fields.append("title")
    if description is not None:
        document.description = description[:5000]
        fields.append("description")
    if tags is not None:
        document.tags = ", ".join(t.strip() for t in tags.split(",") if t.strip())[:500]
        fields.append("tags")
    if fields:
        _history_reason(document, "update").save(update_fields=fields)
    return document


@transaction.atomic
def document_move(*, document: Document, target: Folder, actor, request=None) -> Document:
    if target.space_id != document.space_id and not (
        manages_space(actor, document.space_id) and manages_space(actor, target.space_id)
    ):
        raise ValidationError(
            _("Seul un gestionnaire des deux espaces peut déplacer un document d'un espace à l'autre.")
        )
    if (
        Document.objects.live()
        .filter(folder=target, title__iexact=document.title)
        .exclude(pk=document.pk)
        .exists()
    ):
        raise ValidationError(
            _("Un document « %(name)s » existe déjà dans la destination : renommez-le d'abord.")
            % {"name": document.title}
        )
    source = document.folder_id
    document.folder = target
    document.space_id = target.space_id
    _history_reason(document, "move").save(update_fields=["folder", "space"])
    audit_record(
        action="ged.document.move",
        actor=actor,
        request=request,
        obj=document,
        extra={"space": target.space_id, "from": source, "to": target.pk},
    )
    return document


@transaction.atomic
def document_lock(*, document: Document, actor, minutes: int | None = None) -> Document:
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.lock_active() and locked.lock_holder_id != actor.pk:
        raise ValidationError(_("Ce document est déjà réservé par quelqu'un d'autre."))
    locked.lock_holder = actor
    locked.lock_expires_at = timezone.now() + timedelta(minutes=minutes or settings.GED_LOCK_MINUTES)
    _history_reason(locked, "lock").save(update_fields=["lock_holder", "lock_expires_at"])
    from .online import session_interrupt

    session_interrupt(document=locked, cause="checkout", actor=actor)
    document.lock_holder, document.lock_expires_at = locked.lock_holder, locked.lock_expires_at
    return document


@transaction.atomic
def document_unlock(*, document: Document, actor) -> Document:
    locked = Document.objects.select_for_update().get(pk=document.pk)
    broken = locked.lock_holder_id and locked.lock_holder_id != actor.pk
    previous = locked.lock_holder_id
    locked.lock_holder = None
    locked.lock_expires_at = None
    _history_reason(locked, "unlock").save(update_fields=["lock_holder", "lock_expires_at"])
    document.lock_holder, document.lock_expires_at = None, None
    recipients = users_who_may([previous], document=locked) if broken and previous else []
    if recipients:
        notify(
            recipients=recipients,
            verb="ged.unlock",
            text=_("%(who)s a levé votre réservation de « %(title)s ».")
            % {"who": actor.get_full_name(), "title": locked.title},
            url=reverse("ged:document", args=[locked.pk]),
        )
    return document


@transaction.atomic
def document_trash(*, document: Document, actor, request=None) -> Document:
    document.trashed_at = timezone.now()
    document.trashed_by = actor
    document.lock_holder = None
    document.lock_expires_at = None
    _history_reason(document, "trash").save(
        update_fields=["trashed_at", "trashed_by", "lock_holder", "lock_expires_at"]
    )
    audit_record(
        action="ged.document.trash",
        actor=actor,
        request=request,
        obj=document,
        extra={"space": document.space_id},
    )
    return document


def restore_destination(document: Document) -> Folder:
    """Where a trashed document goes back: its folder, or the nearest surviving ancestor when that folder (or
    one above it) was deleted. Refused (ValidationError) when a deleted folder on the way was restricted:
    the ancestor would let more people read it. One query."""
    folder = document.folder
    chain = list(Folder.objects.filter(path__in=ancestor_paths(folder.path)).order_by("path"))
    destination = None
    for f in chain:
        if f.trashed_at is not None:
            break
        destination = f
    gone = chain[len(chain) if destination is None else chain.index(destination) + 1 :]
    if destination is None:
        destination = chain[0]
    restricted = next((f for f in gone if f.restricted), None)
    if restricted is not None:
        raise ValidationError(
            _(
                "Le dossier à accès restreint « %(folder)s » qui contenait ce document a été supprimé : le "
                "restaurer ailleurs le rendrait lisible par plus de monde. Un gestionnaire de l'espace peut "
                "le supprimer définitivement."
            )
            % {"folder": restricted.name}
        )
    return destination


@transaction.atomic
def document_restore(*, document: Document, actor, request=None) -> Document:
    """Back to its folder, or to the nearest surviving ancestor if that folder was deleted (never out of a
    deleted restricted folder: see restore_destination); renamed if a live document took its name meanwhile.
    """
    folder = restore_destination(document)
    title = document.title
    if Document.objects.live().filter(folder=folder, title__iexact=title).exists():
        stem, dot, ext = title.rpartition(".")
        stamp = timezone.localtime().strftime("%Y-%m-%d %H%M")
        title = f"{stem} (restauré {stamp}).{ext}" if dot and stem else f"{title} (restauré {stamp})"
    document.folder = folder
    document.space_id = folder.space_id
    document.title = title
    document.trashed_at = None
    document.trashed_by = None
    _history_reason(document, "restore").save(
        update_fields=["folder", "space", "title", "trashed_at", "trashed_by"]
    )
    audit_record(
        action="ged.document.restore",
        actor=actor,
        request=request,
        obj=document,
        extra={"space": document.space_id},
    )
    return document


@transaction.atomic
def document_purge(*, document: Document, actor=None, request=None) -> None:
    """Delete for good (from the trash only). Unreferenced blobs are removed by ged_cleanup."""
    if document.trashed_at is None:
        raise ValidationError(_("Seul un document de la corbeille peut être supprimé définitivement."))
    pk, space_id, title = document.pk, document.space_id, document.title
    Document.objects.filter(pk=pk).update(current_version=None)
    document.delete()
    audit_record(
        action="ged.document.purge",
        actor=actor,
        request=request,
        object_type="ged.document",
        object_id=pk,
        actor_label="" if actor else "ged_purge",
        extra={"space": space_id, "title": title},
    )


def trash_purge_expired(*, now=None) -> int:
    cutoff = (now or timezone.now()) - timedelta(days=settings.GED_TRASH_DAYS)
    count = 0
    for document in Document.objects.filter(trashed_at__lt=cutoff):
        document_purge(document=document)
        count += 1
    return count


# --- Following, text, leavers -------------------------------------------------------------------------


@transaction.atomic
def follow_toggle(*, user, document: Document | None = None, folder: Folder | None = None) -> bool:
    """Follow or stop following; returns True when the agent now follows."""
    existing = Follow.objects.filter(user=user, document=document, folder=folder)
    if existing.exists():
        existing.delete()
        return False
    try:
        with transaction.atomic():
            Follow.objects.create(user=user, document=document, folder=folder)
    except IntegrityError:
        pass
    return True


def document_text_update(*, document_id: int, version_number: int, text: str) -> None:
    """Store the extracted text if it still belongs to the current version (a newer one may have arrived)."""
    Document.objects.filter(pk=document_id, current_version__number=version_number).update(
        text_content=text, text_version=version_number
    )


def leaver_spaces_notify(*, user) -> list[Space]:
    """Tell the leaver's department head and manager which "
    "spaces the leaver managed, so someone takes over."""
    codename = f"role_{Role.MANAGER.value}"
    spaces = list(
        Space.objects.live()
        .filter(root__user_grants__user=user, root__user_grants__permission__codename=codename)
        .distinct()
        .order_by("name")
    )
    if not spaces:
        return []
    recipients = set()
    if user.manager_id:
        recipients.add(user.manager_id)
    department = getattr(user, "department", None)
    if department is not None and department.head_id:
        recipients.add(department.head_id)
    recipients.discard(user.pk)
    names = ", ".join(s.name for s in spaces)
    if recipients:
        notify(
            recipients=recipients,
            verb="ged.leaver",
            text=_(
                "%(who)s a quitté la collectivité et gérait ces espaces "
                "documentaires : %(spaces)s. Désignez un nouveau gestionnaire."
            )
            % {"who": user.get_full_name() or user.username, "spaces": names},
            url=reverse("ged:space", args=[spaces[0].slug]),
            email=True,
        )
    audit_record(
        action="ged.leaver.spaces",
        actor_label="user_deactivated",
        obj=user,
        extra={"spaces": [s.pk for s in spaces]},
    )
    return spaces


def folder_grants_for_group(group: Group):
    return FolderGroupObjectPermission.objects.filter(group=group)
