"""Folder pages, the agent's spaces, recent documents, versions and move targets. Each states its query
count."""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.utils import timezone

from ..choices import Role, SortKey, SpacePolicy
from ..models import Document, Folder, Space, Version
from ..permissions import (
    FolderAccess,
    child_role,
    has_grant_below,
    is_superuser,
    manages_space,
    readable_documents_q,
    user_grants,
    visible_spaces_q,
)

logger = logging.getLogger(__name__)

SORTS = {
    SortKey.TITLE: ("title", "pk"),
    SortKey.UPDATED: ("-updated_at", "pk"),
    SortKey.SIZE: ("-current_version__size", "pk"),
}
LISTING_FIELDS = (
    "id",
    "title",
    "updated_at",
    "lock_holder_id",
    "lock_expires_at",
    "folder_id",
    "current_version__id",
    "current_version__number",
    "current_version__size",
    "current_version__mime_type",
    "current_version__author__first_name",
    "current_version__author__last_name",
    "lock_holder__first_name",
    "lock_holder__last_name",
)


@dataclass
class ChildFolder:
    folder: Folder
    role: Role | None
    partial: bool  # reachable only to get to a deeper shared folder


@dataclass
class Listing:
    access: FolderAccess
    children: list[ChildFolder]
    page: object  # a Paginator page of document dicts, or None
    sort: str
    extra: dict = field(default_factory=dict)


def folder_children(user, access: FolderAccess) -> list[ChildFolder]:
    """One query; each child's role decided in Python from the agent's grants."""
    folder = access.folder
    rows = (
        Folder.objects.filter(path__startswith=folder.path, depth=folder.depth + 1, trashed_at__isnull=True)
        .only("id", "path", "depth", "name", "restricted", "space_id", "numchild")
        .order_by("name", "pk")
    )
    out = []
    for child in rows:
        role = child_role(user, access.space, access.role, child)
        if role is not None:
            out.append(ChildFolder(child, role, False))
        elif has_grant_below(user, child.path):
            out.append(ChildFolder(child, None, True))
    return out


def folder_listing(
    user, access: FolderAccess, *, sort: str = SortKey.TITLE, page: int | str | None = 1
) -> Listing:
    """Children (1 query) + a page of documents (1 query) + their count (1 query, no ORDER BY), after the
    role check done by access_folder. Constant, whatever the folder size."""
    children = folder_children(user, access)
    result = None
    if access.abilities["read"]:
        sort = sort if sort in SORTS else SortKey.TITLE
        live = Document.objects.live().filter(folder_id=access.folder.pk)
        paginator = Paginator(live.order_by(*SORTS[sort]).values(*LISTING_FIELDS), settings.GED_PAGE_SIZE)
        # The count on the bare filter: no joins, no ORDER BY (the page query carries the joins).
        paginator.__dict__["count"] = live.count()
        result = paginator.get_page(page)
        now = timezone.now()
        result.object_list = list(result.object_list)
        for row in result.object_list:
            row["locked"] = bool(
                row["lock_holder_id"] and row["lock_expires_at"] and row["lock_expires_at"] > now
            )
    return Listing(access=access, children=children, page=result, sort=sort)


def folder_listing_cached(
    user, access: FolderAccess, *, sort: str = SortKey.TITLE, page: int | str | None = 1
) -> Listing:
    """`folder_listing` through the cache (the folder page): no query when warm. The key holds the folder,
    sort and page, the « ged » topic (any document, folder, space or grant saved or deleted) and the agent's
    permission version (intranet/dashboard.py), so a change shows on the next page and a revoked right never
    comes from the cache. A lock shown in the listing stops the entry being used once it expires."""
    from django.core.cache import cache
    from django.core.paginator import Page

    from intranet import dashboard

    key = dashboard.agent_data_key(user, "ged-folder", ("ged",), access.folder.pk, access.role, sort, page)
    now = timezone.now()
    entry = None
    if key is not None:
        try:
            entry = cache.get(key)
        except Exception:  # noqa: BLE001  (a cache outage: the database answers)
            key = None
    if entry is not None and (entry["until"] is None or now < entry["until"]):
        page_obj = None
        if entry["page"] is not None:
            rows, number, count = entry["page"]
            paginator = Paginator((), settings.GED_PAGE_SIZE)
            paginator.__dict__["count"] = count
            page_obj = Page(rows, number, paginator)
        children = [ChildFolder(folder, role, partial) for folder, role, partial in entry["children"]]
        return Listing(access=access, children=children, page=page_obj, sort=entry["sort"])
    listing = folder_listing(user, access, sort=sort, page=page)
    if key is not None:
        page_data, until = None, None
        if listing.page is not None:
            rows = listing.page.object_list
            page_data = (rows, listing.page.number, listing.page.paginator.count)
            expiries = [r["lock_expires_at"] for r in rows if r["locked"]]
            until = min(expiries) if expiries else None
        entry = {
            "children": [(c.folder, c.role, c.partial) for c in listing.children],
            "page": page_data,
            "sort": listing.sort,
            "until": until,
        }
        try:
            cache.set(key, entry, timeout=settings.DASHBOARD_CACHE_SECONDS)
        except Exception:  # noqa: BLE001  (the page is answered all the same)
            logger.exception("GED folder listing: could not store %s", key)
    return listing


def my_spaces(user) -> dict:
    """Spaces the agent sees: grants (cached query) + one query. Private spaces without a grant are listed but
    not enterable."""
    member = {g.space_id for g in user_grants(user)}
    spaces = list(
        Space.objects.live().filter(visible_spaces_q(user)).select_related("department").order_by("name")
    )
    mine, open_, others = [], [], []
    for space in spaces:
        if is_superuser(user) or space.pk in member:
            mine.append(space)
        elif space.policy == SpacePolicy.OPEN:
            open_.append(space)
        else:
            others.append(space)
    return {"mine": mine, "open": open_, "others": others}


def recent_documents(user, *, limit: int = 8, space: Space | None = None) -> list[dict]:
    """Latest changed documents the agent may read: grants (cached) + restricted folders + one query."""
    q = readable_documents_q(user)
    qs = Document.objects.live().filter(q)
    if space is not None:
        qs = qs.filter(space=space)
    return list(
        qs.order_by("-updated_at", "-pk").values("id", "title", "updated_at", "space__name", "folder__name")[
            :limit
        ]
    )


def breadcrumbs(access: FolderAccess) -> list[Folder]:
    return access.chain


def document_versions(document: Document) -> list[Version]:
    """One query, authors joined."""
    return list(
        Version.objects.filter(document=document)
        .select_related("author")
        .only(
            "id",
            "number",
            "size",
            "mime_type",
            "original_name",
            "comment",
            "conflict",
            "milestone",
            "restored_from",
            "created_at",
            "author__first_name",
            "author__last_name",
            "author__username",
            "document_id",
            "blob_id",
        )
        .order_by("-number")
    )


def move_targets(user, space: Space, *, exclude_path: str | None = None) -> list[tuple[Folder, str]]:
    """Folders the agent may add to (contributor or more), in this space and, for a manager of it, in the
    other spaces they manage. One query (plus the cached grants); roles computed in Python."""
    from ..permissions import role_in_chain

    space_ids = {space.pk}
    if manages_space(user, space.pk):
        space_ids |= (
            {s.pk for s in Space.objects.live() if manages_space(user, s.pk)}
            if is_superuser(user)
            else {
                g.space_id
                for g in user_grants(user)
                if g.role == Role.MANAGER and len(g.path) == Folder.steplen
            }
        )
    folders = list(
        Folder.objects.filter(space_id__in=sorted(space_ids), trashed_at__isnull=True)
        .select_related("space")
        .order_by("space__name", "path")
    )
    by_path = {f.path: f for f in folders}
    out = []
    for f in folders:
        if exclude_path and f.path.startswith(exclude_path):
            continue
        chain = [
            by_path[p]
            for p in (f.path[:i] for i in range(Folder.steplen, len(f.path) + 1, Folder.steplen))
            if p in by_path
        ]
        if Role.rank(role_in_chain(user, f.space, chain)) >= Role.rank(Role.CONTRIBUTOR):
            label = " › ".join(c.name for c in chain)
            if len(space_ids) > 1:
                label = f"{f.space.name} : {label}" if f.depth > 1 else label
            out.append((f, label))
    return out
