from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from intranet import dashboard
from intranet.people.signals import user_deactivated

from .models import (
    Document,
    DocumentGrant,
    Folder,
    FolderGroupObjectPermission,
    FolderUserObjectPermission,
    Space,
)


@receiver(user_deactivated, dispatch_uid="ged_leaver_spaces")
def _leaver_spaces(sender, user, reason=None, actor=None, **kwargs):
    from .actions import leaver_spaces_notify

    leaver_spaces_notify(user=user)


@receiver(user_deactivated, dispatch_uid="ged_leaver_online_sessions")
def _leaver_online_sessions(sender, user, reason=None, actor=None, **kwargs):
    from .online import sessions_recheck

    sessions_recheck(user=user)


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="ged_group_left_online_sessions")
def _group_left_online_sessions(sender, instance, action, reverse, pk_set, **kwargs):
    """A group membership removed (Wagtail « Utilisateurs », a department change, the directory sync) may
    take away the edit right that group carried: the member's open co-editing sessions are re-checked, and
    the Document Server drops them where they may no longer edit. `reverse` is the group's side
    (`group.user_set.remove(...)`), where `pk_set` holds user ids."""
    if action == "pre_clear":
        # After the clear the members are gone: note them now.
        instance._ged_cleared_user_ids = (
            set(instance.user_set.values_list("pk", flat=True)) if reverse else {instance.pk}
        )
        return
    if action == "post_clear":
        user_ids = getattr(instance, "_ged_cleared_user_ids", set())
    elif action == "post_remove":
        user_ids = set(pk_set or ()) if reverse else ({instance.pk} if pk_set else set())
    else:
        return
    if user_ids:
        from .online import sessions_recheck_users

        sessions_recheck_users(user_ids)


def connect_dashboard_receivers() -> None:
    """« Documents récents » on the home page (topic « ged »): any document, folder or space saved or deleted
    (bulk writes: DocumentQuerySet, SpaceQuerySet). Grants, shares, restricted folders and space policies are
    permissions: they bump the permission version too, so a revoked document leaves every home page at
    once."""
    dashboard.bump_on_save(Document, "ged", uid="ged-document")
    for model in (Folder, Space, FolderUserObjectPermission, FolderGroupObjectPermission, DocumentGrant):
        dashboard.bump_on_save(model, "ged", dashboard.PERMISSIONS, uid=f"ged-{model._meta.model_name}")
