"""Reads of Kotje: listings filtered by audience, the guide's surroundings, feedback stats, the dashboard
panel and the profile section. Each costs a constant number of queries (pinned in tests/kotje)."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page, Revision

from intranet.audience import audience_keys

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
    """Themes with the number of guides the agent may read in each (one grouped query)."""
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


def dashboard_panel_context(request) -> dict | None:
    """« Guides de mon service »: guides of themes linked to my department, or owned by it. Hidden for
    agents without a department. Three queries at most (chart, themes, guides)."""
    user = request.user
    if not getattr(user, "department_id", None):
        return None
    audience_keys(user)  # the chart, cached on the user for the audience filter below
    theme_paths = list(
        ThemePage.objects.live().filter(department_id=user.department_id).values_list("path", flat=True)
    )
    condition = Q(content_owner_department_id=user.department_id)
    for path in theme_paths:
        condition |= Q(path__startswith=path, depth=len(path) // Page.steplen + 1)
    guides = list(
        GuidePage.objects.live()
        .for_user(user)
        .filter(condition)
        .defer_streamfields()
        .order_by("-last_published_at", "-id")[:DASHBOARD_GUIDES]
    )
    return {"guides": guides}


def profile_section_context(request, person) -> dict | None:
    """Guides this agent or their department owns, among those the viewer may read; hidden when none."""
    guides = list(
        GuidePage.objects.live()
        .for_user(request.user)
        .owned_by(person=person, department_id=person.department_id)
        .defer_streamfields()
        .order_by("title")[:PROFILE_GUIDES]
    )
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
