"""Creating, renaming, moving, deleting and restricting folders."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record

from .. import removal_hooks
from ..models import (
    Document,
    Folder,
)
from ..names import clean_name
from ..permissions import manages_space
from .base import _history_reason


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
    removal_hooks.check_removal(
        documents=Document.objects.live().filter(folder__path__startswith=folder.path), action="folder_delete"
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
