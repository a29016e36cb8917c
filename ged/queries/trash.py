"""The trash an agent may open, per space or per folder. States its query count."""

from django.conf import settings
from django.core.paginator import Paginator

from ..choices import Role
from ..models import Document, Folder, Space
from ..permissions import (
    folder_roles,
    is_superuser,
    manages_space,
    trash_folder_ids,
)


def trash_listing(user, space: Space, *, folder: Folder | None = None, page=1):
    """Trashed documents of a space (or of one folder's subtree) the agent may restore: editor or more on
    their folder, restrictions included, whatever the viewer's role on the root. The space's folders
    (1 query), then a page (1 query) and its count (1 query). Each row says if the viewer may purge it."""
    qs = Document.objects.trashed().filter(space=space)
    allowed = trash_folder_ids(user, space, under=folder)
    if allowed is not None:
        qs = qs.filter(folder_id__in=allowed)
    elif folder is not None:
        qs = qs.filter(folder__path__startswith=folder.path)
    qs = qs.order_by("-trashed_at", "pk").values(
        "id",
        "title",
        "trashed_at",
        "folder_id",
        "folder__name",
        "folder__trashed_at",
        "trashed_by__first_name",
        "trashed_by__last_name",
        "current_version__size",
    )
    result = Paginator(qs, settings.GED_PAGE_SIZE).get_page(page)
    result.object_list = list(result.object_list)
    manager = (is_superuser(user) or manages_space(user, space.pk)) and not space.frozen
    roles = {}
    if not manager and result.object_list:
        roles = folder_roles(
            user, space, list(Folder.objects.filter(space_id=space.pk).only("id", "path", "restricted"))
        )
    for row in result.object_list:
        row["purge"] = manager or Role.rank(roles.get(row["folder_id"])) >= Role.rank(Role.MANAGER)
    return result
