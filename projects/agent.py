"""What each agent sees of the projects outside a board: the « Mes tâches » dashboard panel, the signed
iCalendar feed of their due dates, the directors' portfolio, the department page section and the search
source. Every read here goes through the same permission rules as the pages (permissions.py) and costs a
constant number of queries whatever the number of cards."""

import datetime

from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from intranet.registry import SearchHit

from . import models as project_models
from .choices import Status, Visibility
from .models import Card, Column, Comment, Member, Workspace
from .permissions import readable_workspaces_q, visible_workspaces_q

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


def search(user, query: str, limit: int) -> tuple[list[SearchHit], int]:
    """Projects the agent may see and live cards of the projects they may read: four queries."""
    words = [w for w in (query or "").split() if w][:6]
    if not words or not getattr(user, "is_authenticated", False):
        return [], 0
    ws_q, card_q = Q(), Q()
    for word in words:
        ws_q &= Q(name__icontains=word) | Q(description__icontains=word)
        card_q &= Q(title__icontains=word) | Q(description__icontains=word)
    workspaces = Workspace.objects.filter(visible_workspaces_q(user)).filter(ws_q).order_by("name", "pk")
    cards = (
        Card.objects.live()
        .filter(readable_workspaces_q(user, "board__workspace__"))
        .filter(card_q)
        .select_related("board__workspace")
        .order_by("-updated_at", "pk")
    )
    hits = [
        SearchHit(
            title=w.name,
            url=reverse("projects:workspace", args=[w.pk]),
            snippet=w.description[:200],
            meta=_("Projet · %(status)s") % {"status": w.get_status_display()},
        )
        for w in workspaces[:limit]
    ]
    room = max(0, limit - len(hits))
    hits += (
        [
            SearchHit(
                title=c.title,
                url=reverse("projects:card", args=[c.pk]),
                snippet=c.description[:200],
                meta=_("Carte · %(project)s › %(board)s")
                % {"project": c.board.workspace.name, "board": c.board.name},
            )
            for c in cards[:room]
        ]
        if room
        else []
    )
    return hits, workspaces.count() + cards.count()
