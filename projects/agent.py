"""What each agent sees of the projects outside a board: the « Mes tâches » dashboard panel, the signed
iCalendar feed of their due dates, the directors' portfolio, the department page section and the search
source. Every read here goes through the same permission rules as the pages (permissions.py) and costs a
constant number of queries whatever the number of cards."""

import datetime

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import connection
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from intranet.registry import SearchHit

from . import models as project_models
from .choices import Status, Visibility
from .models import Card, Column, Comment, Member, Workspace
from .permissions import (
    readable_workspaces_sql,
    visible_workspaces_q,
    visible_workspaces_sql,
)

DASHBOARD_TOPIC = "projects"
PANEL_ROWS = 6

# --- « Mes tâches » on the home page ----------------------------------------------------------------------


def dashboard_context(request) -> dict | None:
    """The agent's next live cards (overdue first, then by due date): two queries, whatever their number."""
    from .queries import my_tasks_queryset

    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    cards = my_tasks_queryset(user)
    rows = list(
        cards.select_related("board__workspace").order_by("due_date", "pk")[:PANEL_ROWS]
    )  # NULL due dates sort last on PostgreSQL, first on SQLite: both are fine for a short list
    rows.sort(key=lambda c: (c.due_date is None, c.due_date or datetime.date.max, c.pk))
    total = cards.count() if len(rows) == PANEL_ROWS else len(rows)
    today = timezone.localdate()
    return {
        "rows": [{"card": c, "overdue": bool(c.due_date and c.due_date < today)} for c in rows],
        "more": max(0, total - len(rows)),
        "today": today.isoformat(),
    }


def dashboard_valid_until(context: dict):
    """« En retard » changes at midnight: the cached panel is good until the next local day starts."""
    today = datetime.date.fromisoformat(context["today"])
    tomorrow = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(tomorrow)


# --- The signed iCalendar feed ----------------------------------------------------------------------------

FEED_SALT = "projects.feed"


def _feed_stamp(user) -> str:
    """Part of the address that changes with the agent's password (a changed password, or an account made
    unusable, makes older addresses fail); keyed by SECRET_KEY like every signature."""
    return salted_hmac(FEED_SALT, f"{user.pk}:{user.password}").hexdigest()[:16]


def feed_token(user) -> str:
    """The same address every time for the same agent and password (no timestamp: a calendar application
    keeps the address it was given, and the page shows the one it gave)."""
    return signing.Signer(salt=FEED_SALT).sign_object([user.pk, _feed_stamp(user)])


def feed_user(token: str):
    """The active agent this address belongs to, or None (bad signature, old stamp, inactive agent)."""
    if not token or len(token) > 300:
        return None
    try:
        user_id, stamp = signing.Signer(salt=FEED_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(stamp, str):
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not constant_time_compare(stamp, _feed_stamp(user)):
        return None
    return user


def feed_ics(user, *, base_url: str) -> bytes:
    """One all-day VEVENT per live card assigned to the agent with a due date, on projects they are still in
    (a member removed from a roster loses its cards here at the next refresh). One query."""
    from icalendar import Calendar, Event

    from .queries import my_tasks_queryset

    cards = (
        my_tasks_queryset(user)
        .filter(due_date__isnull=False)
        .select_related("board__workspace", "column")
        .order_by("due_date", "pk")
    )
    cal = Calendar()
    cal.add("prodid", "-//CCFI//Intranet projets//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Mes tâches (projets)"))
    now = timezone.now()
    for card in cards:
        event = Event()
        event.add("uid", f"projects-card-{card.pk}@intranet")
        event.add("dtstamp", now)
        event.add("dtstart", card.due_date)
        event.add("dtend", card.due_date + datetime.timedelta(days=1))
        event.add("summary", _("Échéance : %(card)s") % {"card": card.title})
        event.add(
            "description",
            f"{card.board.workspace.name} · {card.board.name} · {card.column.name}",
        )
        event.add("url", base_url + reverse("projects:card", args=[card.pk]))
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()


# --- Portfolio --------------------------------------------------------------------------------------------


def headed_department_ids(user) -> set[int]:
    """The departments the agent heads and every department under them (one query per level, a few)."""
    from intranet.people.models import Department

    ids = set(Department.objects.filter(head_id=user.pk).values_list("pk", flat=True))
    frontier = set(ids)
    for _level in range(8):
        if not frontier:
            break
        frontier = set(Department.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    return ids


def portfolio_q(user) -> Q:
    """Projects the agent sponsors or their departments run (the lead's department); a secret project only
    when the agent is in its team."""
    mine = Exists(Member.objects.filter(workspace=OuterRef("pk"), user_id=user.pk))
    departments = headed_department_ids(user)
    scope = Q(sponsor_id=user.pk)
    if departments:
        scope |= Q(lead__department_id__in=departments)
    return scope & (~Q(visibility=Visibility.SECRET) | Q(mine))


def may_see_portfolio(user) -> bool:
    """Whether the portfolio has something to show the agent: they sponsor a project or head a department (the
    two ways into `portfolio_q`). One query."""
    from intranet.people.models import Department

    if not getattr(user, "is_authenticated", False):
        return False
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .filter(
            Exists(Workspace.objects.filter(sponsor_id=OuterRef("pk")))
            | Exists(Department.objects.filter(head_id=OuterRef("pk")))
        )
        .exists()
    )


def _done_column_ids(workspace_ids) -> set[int]:
    """The last column of each board counts as « done »: its cards are never overdue."""
    last: dict[int, int] = {}
    rows = (
        Column.objects.filter(board__workspace_id__in=workspace_ids)
        .order_by("board_id", "position", "pk")
        .values_list("board_id", "pk")
    )
    for board_id, pk in rows:
        last[board_id] = pk
    return set(last.values())


def portfolio(user, *, today=None) -> list[dict]:
    """One row per project: status, late milestones (when the milestone model exists), overdue cards, last
    activity. Seven queries whatever the number of projects and cards."""
    today = today or timezone.localdate()
    workspaces = list(
        Workspace.objects.filter(portfolio_q(user))
        .select_related("lead__department", "sponsor")
        .order_by("name", "pk")
    )
    ids = [w.pk for w in workspaces]
    if not ids:
        return []
    done = _done_column_ids(ids)
    overdue = dict(
        Card.objects.live()
        .filter(board__workspace_id__in=ids, due_date__lt=today)
        .exclude(column_id__in=done)
        .values("board__workspace_id")
        .annotate(n=Count("pk"))
        .values_list("board__workspace_id", "n")
    )
    card_activity = dict(
        Card.objects.filter(board__workspace_id__in=ids)
        .values("board__workspace_id")
        .annotate(at=Max("updated_at"))
        .values_list("board__workspace_id", "at")
    )
    comment_activity = dict(
        Comment.objects.filter(card__board__workspace_id__in=ids)
        .values("card__board__workspace_id")
        .annotate(at=Max("created_at"))
        .values_list("card__board__workspace_id", "at")
    )
    milestone_model = getattr(project_models, "Milestone", None)
    late_milestones = None
    if milestone_model is not None:
        late_milestones = dict(
            milestone_model.objects.filter(workspace_id__in=ids, closed_at__isnull=True, date__lt=today)
            .values("workspace_id")
            .annotate(n=Count("pk"))
            .values_list("workspace_id", "n")
        )
    rows = []
    for w in workspaces:
        stamps = [w.created_at, card_activity.get(w.pk), comment_activity.get(w.pk)]
        rows.append(
            {
                "workspace": w,
                "status": w.get_status_display(),
                "closed": w.status == Status.CLOSED,
                "department": w.lead.department.name if w.lead.department_id else "",
                "overdue": overdue.get(w.pk, 0),
                "late_milestones": None if late_milestones is None else late_milestones.get(w.pk, 0),
                "last_activity": max(s for s in stamps if s is not None),
            }
        )
    return rows


# --- Department page, search ------------------------------------------------------------------------------


def department_context(request, department) -> dict | None:
    """The projects the department runs (their lead is in it) that the viewer may see; secret ones only to
    their team. One query."""
    viewer = request.user
    workspaces = list(
        Workspace.objects.filter(visible_workspaces_q(viewer), lead__department=department)
        .exclude(status=Status.CLOSED)
        .only("id", "name", "status")
        .order_by("name", "pk")[:20]
    )
    if not workspaces:
        return None
    return {
        "title": _("Projets du service"),
        "items": [
            {
                "label": w.name,
                "url": reverse("projects:workspace", args=[w.pk]),
                "meta": w.get_status_display(),
            }
            for w in workspaces
        ],
    }


def _contains_all(words: list[str], columns: tuple[str, str]) -> tuple[str, list]:
    """Every word in one of `columns`, case-insensitively, as the ORM's `icontains` matches (LIKE with the
    pattern's wildcards escaped)."""
    conditions, params = [], []
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append("(" + " OR ".join(f"UPPER({c}) LIKE UPPER(%s) ESCAPE '\\'" for c in columns) + ")")
        params += [pattern] * len(columns)
    return " AND ".join(conditions), params


def search(user, query: str, limit: int) -> tuple[list[SearchHit], int]:
    """Projects the agent may see (by name) and live cards of the projects they may read (newest first), and
    how many of each: one statement, each part ranked, limited and counted by the database."""
    words = [w for w in (query or "").split() if w][:6]
    if not words or not getattr(user, "is_authenticated", False):
        return [], 0
    visible, visible_params = visible_workspaces_sql(user, "w")
    readable, readable_params = readable_workspaces_sql(user, "cw")
    ws_match, ws_params = _contains_all(words, ("w.name", "w.description"))
    card_match, card_params = _contains_all(words, ("c.title", "c.description"))
    # A part asked for no hit still returns its first row, for its count.
    sql = (
        "SELECT * FROM (SELECT 0, w.id, w.name, w.description, w.status, '', '', count(*) OVER () "  # noqa: S608
        f"FROM {Workspace._meta.db_table} w WHERE {visible} AND {ws_match} "
        "ORDER BY w.name, w.id LIMIT %s) ws "
        "UNION ALL "
        "SELECT * FROM (SELECT 1, c.id, c.title, c.description, '', cw.name, b.name, count(*) OVER () "
        f"FROM {Card._meta.db_table} c JOIN {project_models.Board._meta.db_table} b ON b.id = c.board_id "
        f"JOIN {Workspace._meta.db_table} cw ON cw.id = b.workspace_id "
        f"WHERE c.archived_at IS NULL AND {readable} AND {card_match} "
        "ORDER BY c.updated_at DESC, c.id LIMIT %s) cards"
    )
    params = [*visible_params, *ws_params, max(limit, 1), *readable_params, *card_params, max(limit, 1)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    statuses = dict(Status.choices)
    workspaces = [r for r in rows if r[0] == 0]
    cards = [r for r in rows if r[0] == 1]
    total = (workspaces[0][7] if workspaces else 0) + (cards[0][7] if cards else 0)
    hits = [
        SearchHit(
            title=name,
            url=reverse("projects:workspace", args=[pk]),
            snippet=description[:200],
            meta=_("Projet · %(status)s") % {"status": statuses.get(status, status)},
        )
        for _kind, pk, name, description, status, *_rest in workspaces[:limit]
    ]
    hits += [
        SearchHit(
            title=title,
            url=reverse("projects:card", args=[pk]),
            snippet=description[:200],
            meta=_("Carte · %(project)s › %(board)s") % {"project": project, "board": board},
        )
        for _kind, pk, title, description, _status, project, board, _total in cards[
            : max(0, limit - len(hits))
        ]
    ]
    return hits, total
