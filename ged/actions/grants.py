"""The roles' permissions; granting and revoking roles on a folder, for a person or a group."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record
from intranet.notifications.actions import notify

from ..choices import Role
from ..models import (
    Folder,
    FolderGroupObjectPermission,
    FolderUserObjectPermission,
)
from ..permissions import forget_grants, users_who_may


def role_permission(role: Role) -> Permission:
    ct = ContentType.objects.get_for_model(Folder)
    perm, _created = Permission.objects.get_or_create(
        content_type=ct, codename=f"role_{Role(role).value}", defaults={"name": f"Role {Role(role).value}"}
    )
    return perm


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
            email=True,
        )
    from ..online import sessions_recheck

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
    from ..online import sessions_recheck

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


def folder_grants_for_group(group: Group):
    return FolderGroupObjectPermission.objects.filter(group=group)
