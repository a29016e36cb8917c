"""Reads of the home dashboard, the news list and the must-read follow-up."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, Window

from intranet import dashboard, registry
from intranet.notifications.models import Notification

from .models import Acknowledgement, NewsCategory, NewsIndexPage, NewsPage
from .permissions import abilities

NEWS_INDEX_CACHE_KEY = "news:index-url"
LISTING_FIELDS = (
    "id",
    "title",
    "slug",
    "url_path",
    "path",
    "depth",
    "locale_id",
    "first_published_at",
    "last_published_at",
    "latest_revision_created_at",
    "live",
    "intro",
    "category_id",
    "category__name",
    "category__slug",
    "must_read",
    "must_read_due",
    "audience_everyone",
)


def news_index_url() -> str:
    """The news list's URL, cached a few minutes: every dashboard links to it and it hardly ever moves."""
    url = cache.get(NEWS_INDEX_CACHE_KEY)
    if url is None:
        index = NewsIndexPage.objects.live().only("id", "url_path", "path", "depth").first()
        url = index.get_url() if index else ""
        if url:
            cache.set(NEWS_INDEX_CACHE_KEY, url, 300)
    return url or ""


def news_for(user):
    return NewsPage.objects.for_user(user).select_related("category").only(*LISTING_FIELDS)


def dashboard_news(user, *, must_read_limit: int = 10, latest_limit: int = 5):
    """(my unacknowledged must-reads, the most urgent first; the latest news for me), from one query: the
    latest items come first in the result, then the pending must-reads."""
    latest_ids = news_for(user).order_by("-first_published_at", "-pk").values("pk")[:latest_limit]
    acked = Acknowledgement.objects.filter(page=OuterRef("pk"), user=user)
    rows = list(
        news_for(user)
        .annotate(
            acknowledged=Exists(acked),
            is_latest=ExpressionWrapper(Q(pk__in=latest_ids), output_field=BooleanField()),
        )
        .filter(Q(is_latest=True) | Q(must_read=True, acknowledged=False))
        .order_by(
            "-is_latest",
            F("must_read_due").asc(nulls_last=True),
            F("first_published_at").desc(nulls_last=True),
            "-pk",
        )[: latest_limit + must_read_limit]
    )
    latest = sorted(
        (r for r in rows if r.is_latest),
        key=lambda r: (r.first_published_at is not None, r.first_published_at, r.pk),
        reverse=True,
    )
    must_reads = sorted(
        (r for r in rows if r.must_read and not r.acknowledged),
        key=lambda r: (r.must_read_due is None, r.must_read_due or date.min, -(r.pk)),
    )
    return must_reads, latest


def _news_fragment(request):
    must_reads, latest_news = dashboard_news(request.user)
    context = {"must_reads": must_reads, "latest_news": latest_news, "news_index_url": news_index_url()}
    html = dashboard.render_panel(request, "news/_dashboard_news.html", context, panel_id="news", wrap=False)
    return html, {}, None


def _notifications_fragment(request):
    """The latest notifications; the unread total rides along (a window over all of the agent's rows) and
    goes to the header, which spares it its own count query."""
    latest = list(
        Notification.objects.for_user(request.user)
        .only("id", "text", "url", "created_at", "read_at")
        .annotate(unread_total=Window(Count("id", filter=Q(read_at__isnull=True))))[:5]
    )
    html = dashboard.render_panel(
        request,
        "news/_dashboard_notifications.html",
        {"latest_notifications": latest},
        panel_id="notifications",
        wrap=False,
    )
    return html, {"unread_count": latest[0].unread_total if latest else 0}, None


def _panel_spec(panel) -> dashboard.FragmentSpec:
    def render(request):
        ctx = panel.context(request)
        if ctx is None:
            return None
        html = dashboard.render_panel(request, panel.template, ctx, panel_id=panel.key, wrap=True)
        return html, {}, panel.valid_until(ctx) if panel.valid_until else None

    return dashboard.FragmentSpec(
        key=panel.key, topics=tuple(panel.topics or ()), render=render, cached=panel.topics is not None
    )


def dashboard_context(request, page=None) -> dict:
    """What the home page shows: my unacknowledged must-reads and the latest news for me, my latest
    notifications, the panels other apps registered, quick links; each a fragment cached per agent
    (`intranet.dashboard`), the welcome message one fragment for everyone."""

    def shared(template):
        def render(request):
            context = {"page": page, "nav_entries": registry.nav_entries()}
            return dashboard.render_panel(request, template, context, panel_id="", wrap=False), {}, None

        return render

    def links(request):
        """Quick links; the API's (tokens, documentation) only for IT and staff, who script against it: an
        ordinary agent reaches their tokens from the user menu."""
        user = request.user
        context = {
            "page": page,
            "nav_entries": registry.nav_entries(),
            "api_links": user.is_staff or user.is_superuser,
        }
        return (
            dashboard.render_panel(request, "news/_dashboard_links.html", context, panel_id="", wrap=False),
            {},
            None,
        )

    specs = [
        dashboard.FragmentSpec("welcome", (dashboard.PAGES,), shared("news/_dashboard_welcome.html"), False),
        dashboard.FragmentSpec("news", (dashboard.PAGES, dashboard.NEWS), _news_fragment),
        dashboard.FragmentSpec("notifications", (dashboard.NOTIFICATIONS,), _notifications_fragment),
        *(_panel_spec(panel) for panel in registry.dashboard_panels()),
        dashboard.FragmentSpec("links", (dashboard.PAGES,), links),
    ]
    fragments = dashboard.fragments(request, specs)
    welcome = next((f.html for f in fragments if f.key == "welcome"), "")
    context = {"welcome": welcome, "fragments": [f for f in fragments if f.key != "welcome"]}
    for fragment in fragments:
        context.update(fragment.extras)
    return context


def news_listing(request, index: NewsIndexPage) -> dict:
    """One page of the news addressed to the agent, optionally in one category: the categories, a COUNT and
    a SELECT (plus the department chart)."""
    qs = news_for(request.user).child_of(index)
    # Only the categories of news addressed to the agent: a category never reveals a hidden item.
    categories = list(NewsCategory.objects.filter(pk__in=qs.values("category")).order_by("name"))
    slug = request.GET.get("categorie", "")[:80]
    current = next((c for c in categories if c.slug == slug), None)
    if current is not None:
        qs = qs.filter(category=current)
    elif slug:
        qs = qs.none()  # an unknown category lists nothing rather than everything
    qs = qs.annotate(
        acknowledged=Exists(Acknowledgement.objects.filter(page=OuterRef("pk"), user=request.user))
    ).order_by("-first_published_at", "-pk")
    page = Paginator(qs, settings.NEWS_PAGE_SIZE).get_page(request.GET.get("page"))
    return {"categories": categories, "current_category": current, "category_slug": slug, "news_page": page}


def news_detail_context(request, page: NewsPage) -> dict:
    """A must-read's acknowledgement state and, for its followers, its reading rate."""
    user = request.user
    can = abilities(user, page)
    context = {"abilities": can, "acknowledged": None, "readers": None}
    if page.must_read and can["acknowledge"]:
        context["acknowledged"] = Acknowledgement.objects.filter(page=page, user=user).first()
    if can["follow_readers"]:
        context["readers"] = readers_summary(page)
    return context


def _department_subtree(root_ids) -> set[int]:
    """The chosen departments and all their sub-services, from the chart (one query)."""
    from intranet.people.models import Department

    children: dict[int | None, list[int]] = {}
    for pk, parent in Department.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(pk)
    seen: set[int] = set()
    stack = list(root_ids)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(children.get(node, []))
    return seen


def audience_members(page: NewsPage):
    """Active agents the page is addressed to: everyone, agents of the chosen employers, or agents of the
    chosen departments and their sub-services."""
    users = get_user_model().objects.filter(is_active=True)
    if page.audience_everyone:
        return users
    organisation_ids = [o.pk for o in page.audience_organisations.all()]
    department_ids = _department_subtree(d.pk for d in page.audience_departments.all())
    return users.filter(Q(employer_id__in=organisation_ids) | Q(department_id__in=department_ids))


@dataclass
class ReadersSummary:
    total: int
    acknowledged: int
    missing: list  # the agents who have not acknowledged yet, by name

    @property
    def rate(self) -> int:
        """Percentage of the audience who acknowledged, rounded down (100 only when nobody is missing)."""
        return 100 if not self.total else self.acknowledged * 100 // self.total


def readers_summary(page: NewsPage, *, with_missing: bool = False) -> ReadersSummary:
    """Acknowledgement rate over the current audience; acknowledgements of agents who left it (or left the
    organisation) do not count. A few queries whatever the audience size."""
    members = audience_members(page)
    acked = Acknowledgement.objects.filter(page=page, user=OuterRef("pk"))
    counts = members.aggregate(total=Count("pk"), acknowledged=Count("pk", filter=Q(Exists(acked))))
    missing = []
    if with_missing:
        missing = list(
            members.filter(~Exists(acked))
            .select_related("department", "employer")
            .only(
                "id",
                "username",
                "first_name",
                "last_name",
                "department__name",
                "employer__name",
                "employer__short_name",
            )
            .order_by("last_name", "first_name", "pk")
        )
    return ReadersSummary(total=counts["total"], acknowledged=counts["acknowledged"], missing=missing)
