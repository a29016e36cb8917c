"""The spaces shown on a department's and a person's pages."""

from django.db.models import Q

from ..choices import SpacePolicy
from ..models import FolderGroupObjectPermission, FolderUserObjectPermission, Space
from ..permissions import (
    is_superuser,
)


def spaces_of_person(viewer, person) -> list[Space]:
    """Spaces where `person` holds a grant and that `viewer` may see listed (secret spaces only if the viewer
    is a member too): one query, whatever the number of spaces or grants."""

    qs = Space.objects.live().filter(
        pk__in=FolderUserObjectPermission.objects.filter(user=person).values("content_object__space_id")
    )
    return list(_listed_for(viewer, qs).order_by("name"))


def _listed_for(viewer, spaces):
    """`spaces` narrowed to those `viewer` may see listed: secret ones only for their members. In SQL, so the
    caller's query stays one query."""
    from django.db.models import Exists, OuterRef

    if is_superuser(viewer):
        return spaces
    member = Exists(
        FolderUserObjectPermission.objects.filter(user=viewer, content_object__space_id=OuterRef("pk"))
    ) | Exists(
        FolderGroupObjectPermission.objects.filter(
            group__user=viewer, content_object__space_id=OuterRef("pk")
        )
    )
    return spaces.filter(~Q(policy=SpacePolicy.SECRET) | member)


def department_spaces_for(viewer, department) -> list[Space]:
    """A department's spaces that `viewer` may see listed (secret ones only if the viewer is a member): one
    query."""
    qs = Space.objects.live().filter(department=department).only("id", "name", "slug", "policy")
    return list(_listed_for(viewer, qs).order_by("name"))
