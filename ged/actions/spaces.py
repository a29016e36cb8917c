"""Creating spaces, and telling managers when an agent leaves."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record
from intranet.notifications.actions import notify

from ..choices import Role, SpacePolicy
from ..models import (
    Folder,
    Space,
)
from ..names import clean_name
from .base import _history_reason
from .grants import grant_set

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


@transaction.atomic
def space_freeze(*, space: Space, frozen: bool, actor, request=None) -> Space:
    """Make a space read-only for everyone (a closed project's), or writable again. Every write path reads
    the flag through `permissions.frozen_cap`; freezing also asks the Document Server, through the outbox,
    to drop the editors of the space's open co-editing sessions (decided when the row runs, like a revoked
    grant). Saved with history, so the permission version moves and cached pages forget their buttons."""
    space = Space.objects.select_for_update().get(pk=space.pk)
    if space.frozen == frozen:
        return space
    space.frozen = frozen
    _history_reason(space, "freeze" if frozen else "unfreeze").save(update_fields=["frozen"])
    if frozen and space.root is not None:
        from ..online import sessions_recheck

        sessions_recheck(folder=space.root)
    audit_record(
        action="ged.space.freeze" if frozen else "ged.space.unfreeze",
        actor=actor,
        request=request,
        obj=space,
        extra={"space": space.pk},
    )
    return space


@transaction.atomic
def space_policy_set(*, space: Space, policy: str, actor, name: str | None = None) -> Space:
    """Change a space's policy (open, private, secret) and, when given, its name (and its root folder's): a
    project team's visibility or name changed. Saved with history, so the permission version moves and
    cached pages and listings forget what the space showed. Edit rights come from grants, which a policy
    does not touch: open co-editing sessions are not concerned."""
    if policy not in SpacePolicy.values:
        raise ValidationError({"policy": _("Politique d'espace inconnue.")})
    space = Space.objects.select_for_update(of=("self",)).select_related("root").get(pk=space.pk)
    fields = []
    if space.policy != policy:
        space.policy = policy
        fields.append("policy")
    if name is not None and clean_name(name)[:200] != space.name:
        space.name = clean_name(name)[:200]
        fields.append("name")
        if space.root is not None:
            space.root.name = space.name
            _history_reason(space.root, "rename").save(update_fields=["name"])
    if not fields:
        return space
    _history_reason(space, "policy").save(update_fields=fields)
    audit_record(
        action="ged.space.policy",
        actor=actor,
        obj=space,
        extra={"space": space.pk, "policy": space.policy, "fields": fields},
    )
    return space


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
