"""The GED's side of project teams (`intranet.registry.register_team_provisioner`): a space per team, whose
root folder grants each roster role to the team's core group of that role. The team's visibility is the
space's policy, at creation and on every change (`changed`).

Roster roles map to GED roles: lecteur → reader, contributeur → editor, responsable → manager. Membership
lives in the core groups, so a roster change reaches the grants without a grant being written. Closing the
team freezes the space (`Space.frozen`, `space_freeze`): read-only for everyone whatever their grants (a
personal grant, a department's, IT), on every path that reads roles — pages, API, WebDAV, OnlyOffice, whose
open sessions are dropped through the outbox; reopening unfreezes it. The grants are left as they are.
"""

from django.http import Http404
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .actions import grant_set, space_create, space_freeze
from .actions.spaces import space_policy_set
from .choices import Role, SpacePolicy
from .models import Space
from .permissions import access_space

ROLE_FOR_TEAM = {"reader": Role.READER, "contributor": Role.EDITOR, "manager": Role.MANAGER}


def _space(team) -> Space:
    return Space.objects.select_related("root").get(pk=team.refs["ged"]["space_id"])


def _free_slug(team) -> str:
    base = f"projet-{slugify(team.name)[:60]}".rstrip("-") or "projet"
    slug, n = base, 1
    while Space.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _grant_roles(space: Space, team, actor) -> None:
    for team_role, group in team.groups.items():
        grant_set(
            folder=space.root, role=ROLE_FOR_TEAM[team_role], group=group, actor=actor, notify_grantee=False
        )


def create(team, actor) -> dict:
    space = space_create(
        name=team.name,
        slug=_free_slug(team),
        policy=SpacePolicy(team.visibility),
        creator=None,
        description=team.description[:2000],
    )
    _grant_roles(space, team, actor)
    if team.closed:
        space_freeze(space=space, frozen=True, actor=actor)
    return {"space_id": space.pk, "slug": space.slug}


def sync_roster(team, actor) -> None:
    """Grants go to the roster's groups: the membership change already is the grant change."""


def changed(team, actor) -> None:
    """The team's visibility is the space's policy (open: every agent reads; private: members only, listed;
    secret: members only, unlisted), and its name the space's name."""
    space_policy_set(space=_space(team), policy=SpacePolicy(team.visibility), actor=actor, name=team.name)


def close(team, actor) -> None:
    space_freeze(space=_space(team), frozen=True, actor=actor)


def reopen(team, actor) -> None:
    space_freeze(space=_space(team), frozen=False, actor=actor)


def resolve(ref, user):
    """A link to the space, when the viewer may enter it."""
    try:
        access_space(user, ref.get("slug", ""))
    except Http404:
        return None
    return _("Espace documentaire"), reverse("ged:space", args=[ref["slug"]])
