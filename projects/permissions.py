"""Who may do what on a workspace, its boards and cards: one source of truth, `abilities()`.

`access_*` return the object with the viewer's abilities, or raise 404 for missing and forbidden alike
(a secret workspace does not exist for whoever is not in its team).
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import Http404

from .choices import JoinPolicy, MemberRole, Visibility
from .models import Board, Card, Column, Member, Workspace


def member_role(user, workspace: Workspace) -> str | None:
    """The viewer's role in the workspace's roster (one query, cached on the user for the request)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = user.__dict__.setdefault("_project_roles", {})
    if workspace.pk not in cache:
        cache[workspace.pk] = (
            Member.objects.filter(workspace_id=workspace.pk, user_id=user.pk)
            .values_list("role", flat=True)
            .first()
        )
    return cache[workspace.pk]


def forget_roles(user) -> None:
    user.__dict__.pop("_project_roles", None)


def abilities(user, workspace: Workspace, role: str | None = None) -> dict[str, bool]:
    rank = MemberRole.rank(role)
    member = rank > 0
    open_ = workspace.visibility == Visibility.OPEN
    closed = workspace.closed
    active = bool(getattr(user, "is_active", False))
    return {
        "see": member or (active and workspace.visibility != Visibility.SECRET),
        "read": member or (active and open_),
        "edit": rank >= MemberRole.rank(MemberRole.CONTRIBUTOR) and not closed,
        "comment": member and not closed,
        "manage": rank >= MemberRole.rank(MemberRole.MANAGER),
        "manage_roster": rank >= MemberRole.rank(MemberRole.MANAGER) and not closed,
        "close": rank >= MemberRole.rank(MemberRole.MANAGER) and not closed,
        "reopen": rank >= MemberRole.rank(MemberRole.MANAGER) and closed,
        "join": active
        and not member
        and not closed
        and workspace.visibility != Visibility.SECRET
        and workspace.join_policy == JoinPolicy.OPEN,
        "ask": active
        and not member
        and not closed
        and workspace.visibility != Visibility.SECRET
        and workspace.join_policy == JoinPolicy.REQUEST,
    }


@dataclass
class Access:
    workspace: Workspace
    role: str | None
    abilities: dict[str, bool]


def _check(user, workspace: Workspace, need: str) -> Access:
    role = member_role(user, workspace)
    abl = abilities(user, workspace, role)
    if not abl["see"] or not abl.get(need, False):
        raise Http404
    return Access(workspace, role, abl)


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404 from None


def access_workspace(user, pk, *, need: str = "see") -> Access:
    workspace = Workspace.objects.select_related("lead", "sponsor").filter(pk=_int(pk)).first()
    if workspace is None:
        raise Http404
    return _check(user, workspace, need)


def access_board(user, pk, *, need: str = "read") -> tuple[Board, Access]:
    board = Board.objects.select_related("workspace").filter(pk=_int(pk)).first()
    if board is None:
        raise Http404
    return board, _check(user, board.workspace, need)


def access_card(user, pk, *, need: str = "read", target_column=None) -> tuple[Card, Access]:
    """The card and the agent's access to it. With `target_column` (an id), the card also carries
    `target_column_id`: that column's id if it is one of the card's board's, else None (a move, one query)."""
    cards = Card.objects.select_related("board__workspace", "column")
    known = getattr(user, "is_authenticated", False)
    if known:
        # The viewer's role comes with the card (one query fewer on every card route, a move included).
        mine = Member.objects.filter(workspace_id=OuterRef("board__workspace_id"), user_id=user.pk)
        cards = cards.annotate(viewer_role=Subquery(mine.values("role")[:1]))
    if target_column is not None:
        same_board = Column.objects.filter(pk=target_column, board_id=OuterRef("board_id"))
        cards = cards.annotate(target_column_id=Subquery(same_board.values("pk")[:1]))
    card = cards.filter(pk=_int(pk)).first()
    if card is None:
        raise Http404
    if known:
        user.__dict__.setdefault("_project_roles", {})[card.board.workspace_id] = card.viewer_role
    return card, _check(user, card.board.workspace, need)


def visible_workspaces_q(user) -> Q:
    """Workspaces the agent may see listed: open and private ones, and secret ones they are in."""
    mine = Exists(Member.objects.filter(workspace=OuterRef("pk"), user_id=user.pk))
    return Q(visibility__in=[Visibility.OPEN, Visibility.PRIVATE]) | Q(mine)


def readable_workspaces_q(user, prefix: str = "") -> Q:
    """Workspaces whose boards the agent may read: open ones and the ones they are in."""
    mine = Exists(Member.objects.filter(workspace=OuterRef(f"{prefix}pk"), user_id=user.pk))
    return Q(**{f"{prefix}visibility": Visibility.OPEN}) | Q(mine)


# The same two gates written out as SQL, for the search source's one statement (projects/agent.py); a test
# checks they keep exactly what the Q gates keep (tests/projects/test_search_gate_sql.py).


def _member_sql(alias: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM {Member._meta.db_table} pm "  # noqa: S608 (table and alias names only)
        f"WHERE pm.workspace_id = {alias}.id AND pm.user_id = %s)"
    )


def visible_workspaces_sql(user, alias: str) -> tuple[str, list]:
    """`visible_workspaces_q` as a condition on the workspace table aliased `alias`, and its parameters."""
    return (
        f"({alias}.visibility IN (%s, %s) OR {_member_sql(alias)})",
        [Visibility.OPEN.value, Visibility.PRIVATE.value, user.pk],
    )


def readable_workspaces_sql(user, alias: str) -> tuple[str, list]:
    """`readable_workspaces_q` as a condition on the workspace table aliased `alias`, and its parameters."""
    return f"({alias}.visibility = %s OR {_member_sql(alias)})", [Visibility.OPEN.value, user.pk]
