"""Reads of Kotje: listings filtered by audience, the guide's surroundings, feedback stats, the dashboard
panel and the profile section. Each costs a constant number of queries (pinned in tests/kotje)."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Left, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page, Revision

from .choices import TOOL_STATUS_HELP, ToolStatus
from .forms import FeedbackForm
from .models import (
    GuideFeedback,
    GuidePage,
    KotjeIndexPage,
    Task,
    ThemePage,
    ToolFinderPage,
    ToolPage,
    ToolsIndexPage,
)
from .permissions import guide_abilities

RECENT_COMMENTS = 10
DASHBOARD_GUIDES = 8
PROFILE_GUIDES = 20


def breadcrumb(page: Page) -> list[Page]:
    """The ancestors from the home page down (one query)."""
    return list(page.get_ancestors().filter(depth__gt=1).only("id", "title", "url_path", "depth", "path"))


def kotje_index_context(user, index: KotjeIndexPage) -> dict:
    """Themes holding guides the agent may read, with their number (one grouped query)."""
    themes = list(ThemePage.objects.live().child_of(index).select_related("department").order_by("path"))
    theme_path_length = (index.depth + 1) * Page.steplen
    counts = dict(
        GuidePage.objects.live()
        .descendant_of(index)
        .for_user(user)
        .order_by()
        .annotate(theme_path=Substr("path", 1, theme_path_length))
        .values("theme_path")
        .annotate(n=Count("id"))
        .values_list("theme_path", "n")
    )
    for theme in themes:
        theme.guide_count = counts.get(theme.path, 0)
    # A theme with no guide for this agent is not offered (« 0 guide » leads nowhere).
    themes = [theme for theme in themes if theme.guide_count]
    tools_index = ToolsIndexPage.objects.live().child_of(index).first()
    finder = ToolFinderPage.objects.live().descendant_of(index).first() if tools_index else None
    return {"themes": themes, "tools_index": tools_index, "finder": finder, "breadcrumb": breadcrumb(index)}


def theme_guides(user, theme: ThemePage) -> list[GuidePage]:
    return list(GuidePage.objects.live().child_of(theme).for_user(user).defer_streamfields().order_by("path"))


# --- Guide ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackStats:
    count: int
    helpful: int
    helpful_percent: int | None
    recent_comments: list


def feedback_stats(guide: GuidePage) -> FeedbackStats:
    """Two queries: the totals, then the latest comments with their authors."""
    totals = GuideFeedback.objects.filter(guide=guide).aggregate(
        count=Count("id"), helpful=Count("id", filter=Q(helpful=True))
    )
    comments = list(
        GuideFeedback.objects.filter(guide=guide)
        .exclude(comment="")
        .select_related("user")
        .order_by("-updated_at", "-id")[:RECENT_COMMENTS]
    )
    count, helpful = totals["count"], totals["helpful"]
    percent = round(100 * helpful / count) if count else None
    return FeedbackStats(count=count, helpful=helpful, helpful_percent=percent, recent_comments=comments)


def feedback_context(
    request, guide: GuidePage, *, form: FeedbackForm | None = None, saved: bool = False
) -> dict:
    """What the « Cette page vous a-t-elle aidé ? » block shows: the agent's own answer and the form."""
    mine = GuideFeedback.objects.filter(guide=guide, user=request.user).first()
    if form is None:
        form = FeedbackForm(initial={"comment": mine.comment} if mine else None)
    return {"guide": guide, "my_feedback": mine, "feedback_form": form, "feedback_saved": saved}


def guide_context(request, guide: GuidePage) -> dict:
    user = request.user
    abilities = guide_abilities(user, guide)
    live_revision = (
        Revision.objects.filter(pk=guide.live_revision_id)
        .select_related("user")
        .only("id", "created_at", "user__id", "user__first_name", "user__last_name", "user__username")
        .first()
        if guide.live_revision_id
        else None
    )
    today = timezone.localdate()
    return {
        "abilities": abilities,
        "breadcrumb": breadcrumb(guide),
        "last_editor": live_revision.user if live_revision else None,
        "last_edited_at": guide.last_published_at,
        "owner_person": guide.content_owner_person
        if guide.content_owner_person_id and guide.content_owner_person.is_active
        else None,
        "owner_department": guide.content_owner_department if guide.content_owner_department_id else None,
        "review_overdue": guide.is_review_overdue(today),
        "attachments": list(guide.attachments.select_related("document")),
        "related_tools": list(ToolPage.objects.live().filter(guide=guide).order_by("title")),
        "stats": feedback_stats(guide) if abilities["view_stats"] else None,
        **feedback_context(request, guide),
    }


# --- Tools ----------------------------------------------------------------------------------------------


def _by_status(tools):
    return sorted(tools, key=lambda t: (ToolStatus.rank(t.status), t.title.lower()))


def catalogue_context(request, index: ToolsIndexPage) -> dict:
    """The catalogue, filtered by `statut` and `tache` from the query string; an unknown value is reported
    and ignored rather than answered with an empty list."""
    tasks = list(Task.objects.all())
    status = request.GET.get("statut", "")[:20]
    task_slug = request.GET.get("tache", "")[:80]
    errors = []
    if status and status not in ToolStatus.values:
        errors.append(_("Ce statut n'existe pas : tous les statuts sont affichés."))
        status = ""
    task = next((t for t in tasks if t.slug == task_slug), None)
    if task_slug and task is None:
        errors.append(_("Cette tâche n'existe pas : les outils de toutes les tâches sont affichés."))
    tools = ToolPage.objects.live().child_of(index).select_related("use_instead").prefetch_related("tasks")
    if status:
        tools = tools.filter(status=status)
    if task is not None:
        tools = tools.filter(tasks=task)
    finder = ToolFinderPage.objects.live().child_of(index).first()
    return {
        "tools": _by_status(tools),
        "tasks": tasks,
        "statuses": ToolStatus.choices,
        "selected_status": status,
        "selected_task": task,
        "filter_errors": errors,
        "finder": finder,
        "breadcrumb": breadcrumb(index),
        "status_legend": [(label, TOOL_STATUS_HELP[value]) for value, label in ToolStatus.choices],
    }


def tool_context(request, tool: ToolPage) -> dict:
    finder = ToolFinderPage.objects.live().sibling_of(tool).first()
    guide = None
    if tool.guide_id:
        guide = (
            GuidePage.objects.live()
            .for_user(request.user)
            .filter(pk=tool.guide_id)
            .defer_streamfields()
            .first()
        )
    use_instead = (
        ToolPage.objects.live().filter(pk=tool.use_instead_id).first() if tool.use_instead_id else None
    )
    return {
        "guide": guide,
        "use_instead": use_instead,
        "replaces": list(ToolPage.objects.live().filter(use_instead=tool).order_by("title")),
        "tool_tasks": list(tool.tasks.all()),
        "contact_department": tool.contact_department if tool.contact_department_id else None,
        "status_help": TOOL_STATUS_HELP.get(tool.status, ""),
        "finder_url": finder.get_url(request) if finder else "",
        "breadcrumb": breadcrumb(tool),
    }


def finder_context(request, finder: ToolFinderPage) -> dict:
    """Every task with the tools to use (approved first, then tolerated) and those to avoid."""
    tools = ToolPage.objects.live().select_related("use_instead").order_by("title")
    tasks = list(Task.objects.prefetch_related(Prefetch("tools", queryset=tools)))
    task_slug = request.GET.get("tache", "")[:80]
    selected = next((t for t in tasks if t.slug == task_slug), None)
    error = ""
    if task_slug and selected is None:
        error = _("Cette tâche n'existe pas : voici toutes les tâches.")
    answers = []
    for task in tasks:
        task_tools = _by_status(task.tools.all())
        answers.append(
            {
                "task": task,
                "use": [t for t in task_tools if t.status != ToolStatus.FORBIDDEN],
                "avoid": [t for t in task_tools if t.status == ToolStatus.FORBIDDEN],
            }
        )
    shown = [a for a in answers if selected is None or a["task"] == selected]
    return {
        "tasks": tasks,
        "answers": shown,
        "selected_task": selected,
        "finder_error": error,
        "breadcrumb": breadcrumb(finder),
    }


# --- Dashboard panel and profile section (registered in apps.py) ----------------------------------------


def _addressed(user, queryset, limit: int) -> list[GuidePage]:
    """The first `limit` guides of `queryset` addressed to `user`, in one query when the user's chart is
    already known (the dashboard's news computed it) or when the candidates are all for everyone; else the
    chart and one check of the restricted candidates (a panel or section never costs more than three)."""
    if getattr(user, "_audience_keys", None) is not None:
        return list(queryset.for_user(user)[:limit])
    candidates = list(queryset[: limit * 3])
    restricted = [g.pk for g in candidates if not g.audience_everyone]
    if restricted:
        allowed = set(GuidePage.objects.filter(pk__in=restricted).for_user(user).values_list("pk", flat=True))
        candidates = [g for g in candidates if g.audience_everyone or g.pk in allowed]
    return candidates[:limit]


def dashboard_panel_context(request) -> dict | None:
    """« Guides de mon service »: guides of themes linked to my department, or owned by it. Hidden for
    agents without a department. One query (see `_addressed`)."""
    user = request.user
    if not getattr(user, "department_id", None):
        return None
    # The guide's theme is its parent: its path minus the last step.
    theme_of_my_department = ThemePage.objects.filter(
        department_id=user.department_id,
        path=Left(OuterRef("path"), Length(OuterRef("path")) - Page.steplen),
    )
    queryset = (
        GuidePage.objects.live()
        .filter(Q(content_owner_department_id=user.department_id) | Exists(theme_of_my_department))
        .defer_streamfields()
        .order_by("-last_published_at", "-id")
    )
    return {"guides": _addressed(user, queryset, DASHBOARD_GUIDES)}


def profile_section_context(request, person) -> dict | None:
    """Guides this agent or their department owns, among those the viewer may read; hidden when none."""
    queryset = (
        GuidePage.objects.live()
        .owned_by(person=person, department_id=person.department_id)
        .defer_streamfields()
        .order_by("title")
    )
    guides = _addressed(request.user, queryset, PROFILE_GUIDES)
    if not guides:
        return None
    return {
        "title": _("Guides Kotje"),
        "items": [
            {
                "label": guide.title,
                "url": guide.get_url(request),
                "meta": _("propriétaire")
                if guide.content_owner_person_id == person.pk
                else _("propriété de son service"),
            }
            for guide in guides
        ],
    }
