"""The reads of the DAV provider, set-based: a path resolves in a constant number of queries whatever its
depth, and a folder lists its children and documents in two queries whatever its size (B10)."""

from ..models import Document, Folder, Space
from ..names import title_key
from ..permissions import (
    FolderAccess,
    folder_abilities,
    has_grant_below,
    role_in_chain,
    shared_role_subquery,
    visible_spaces_q,
)
from ..queries import folder_children, shared_with_me

# What PROPFIND needs of a document, from one query.
DOCUMENT_FIELDS = (
    "id",
    "title",
    "created_at",
    "updated_at",
    "lock_holder_id",
    "lock_expires_at",
    "current_version__blob_id",
    "current_version__size",
    "current_version__mime_type",
)


def _access(user, space: Space, chain: list[Folder]) -> FolderAccess:
    """The GED's own rule (permissions.folder_access) on a chain fetched here in one query."""
    folder = chain[-1]
    folder.space = space
    role = role_in_chain(user, space, chain)
    traversable = role is None and has_grant_below(user, folder.path)
    return FolderAccess(
        folder=folder,
        space=space,
        chain=chain,
        role=role,
        traversable=traversable,
        abilities=folder_abilities(role, folder, traversable=traversable),
    )


def enterable_spaces(user) -> list[FolderAccess]:
    """The spaces the agent may enter (a role there, or a grant deeper down), as their root folders' access:
    one query (plus the cached grants). Secret spaces appear only to their members, private spaces without
    any grant not at all (they could not be opened)."""
    out = []
    spaces = Space.objects.live().filter(visible_spaces_q(user)).select_related("root").order_by("slug")
    for space in spaces:
        if space.root is None:
            continue
        access = _access(user, space, [space.root])
        if access.abilities["enter"]:
            out.append(access)
    return out


def resolve(user, slug: str, names: list[str]):
    """What a path under a space names, as (kind, folder access, document):
    ("folder", access of that folder, None), ("document", access of its folder, document), or
    ("missing", access of the parent folder, None) when only the last name is unknown; None when the space or
    a folder on the way is missing or not enterable (alike). Three queries: the space, the folders named on
    the path, the document. A folder wins over a document of the same name."""
    space = Space.objects.live().select_related("root").filter(slug=slug[:80]).first()
    if space is None or space.root is None:
        return None
    root = space.root
    chain = [root]
    if names:
        candidates = list(
            Folder.objects.filter(
                space_id=space.pk,
                trashed_at__isnull=True,
                depth__gt=1,
                depth__lte=len(names) + 1,
                name__in=set(names),
            ).only("id", "path", "depth", "name", "restricted", "space_id", "numchild", "created_at")
        )
        by_key = {(f.path[: -Folder.steplen], f.name): f for f in candidates}
        for i, name in enumerate(names):
            child = by_key.get((chain[-1].path, name))
            if child is None:
                if i != len(names) - 1:
                    return None
                break
            chain.append(child)
    access = _access(user, space, chain)
    if not access.abilities["enter"]:
        return None
    if len(chain) == len(names) + 1:
        return "folder", access, None
    if not access.abilities["read"]:
        return "missing", access, None
    # for_dav: live documents and the placeholders this agent's LOCK made (ged/webdav/locks.py).
    qs = Document.objects.for_dav(user).filter(folder_id=chain[-1].pk, title_key=title_key(names[-1]))
    qs = qs.select_related("current_version", "lock_holder")
    if user.is_authenticated and user.is_active:
        qs = qs.annotate(ged_shared_role=shared_role_subquery(user))
    document = qs.first()
    if document is None:
        return "missing", access, None
    document.ged_shared_for = user.pk
    document.folder = chain[-1]
    return "document", access, document


def child_accesses(user, access: FolderAccess) -> list[FolderAccess]:
    """The subfolders the agent may enter, with their access, from the GED's folder_children (one query)."""
    out = []
    for child in folder_children(user, access):
        folder = child.folder
        folder.space = access.space
        traversable = child.partial
        out.append(
            FolderAccess(
                folder=folder,
                space=access.space,
                chain=[*access.chain, folder],
                role=child.role,
                traversable=traversable,
                abilities=folder_abilities(child.role, folder, traversable=traversable),
            )
        )
    return out


def document_rows(user, access: FolderAccess) -> list[dict]:
    """The folder's live documents (and the agent's own LOCK placeholders) with everything PROPFIND shows, in
    one query (no per-row permission: reading the folder is reading its documents). Empty unless the agent
    reads the folder."""
    if not access.abilities["read"]:
        return []
    return list(
        Document.objects.for_dav(user)
        .filter(folder_id=access.folder.pk)
        .order_by("title", "pk")
        .values(*DOCUMENT_FIELDS)
    )


def _numbered(title: str, n: int) -> str:
    """« titre (n).ext »: the number before the extension (the last dot, not a leading one)."""
    stem, dot, ext = title.rpartition(".")
    if dot and stem:
        return f"{stem} ({n}).{ext}"
    return f"{title} ({n})"


def shared_rows(user) -> list[tuple[str, dict]]:
    """The documents of « Partagés avec moi » as (name in the collection, row with what PROPFIND shows), by
    name: the web's own query (`ged.queries.shared_with_me`: every live document shared with the agent or one
    of their groups that the gate lets them read), so the web page and the drive always agree. One query for
    the documents plus what the gate reads once (the grants, cached, and the restricted folders), whatever
    their number.

    Names are unique by title_key (case and Unicode form, as in a folder): among documents whose titles
    collide, the oldest (smallest id) keeps its title, the next ones get « titre (2).ext », « titre (3).ext »…
    in id order, skipping a number whose name another shared document already holds."""
    rows = list(shared_with_me(user).values(*DOCUMENT_FIELDS))
    rows.sort(key=lambda r: (title_key(r["title"]), r["id"]))
    taken, first, rest = set(), [], []
    for row in rows:
        key = title_key(row["title"])
        (rest if key in taken else first).append(row)
        taken.add(key)
    out = [(row["title"], row) for row in first]
    for row in rest:
        n = 2
        while title_key(name := _numbered(row["title"], n)) in taken:
            n += 1
        taken.add(title_key(name))
        out.append((name, row))
    out.sort(key=lambda item: (title_key(item[0]), item[1]["id"]))
    return out
