"""Pinned query counts: listings and pages cost the same whatever the number of guides, tools and tasks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kotje.actions import feedback_record
from kotje.choices import ToolStatus
from kotje.models import GuidePage, Task, ToolPage
from tests.kotje.conftest import publish

pytestmark = pytest.mark.django_db


def _more(kotje, n):
    """n more guides in the theme (some for Bailleul only), tools and tasks, with feedback."""
    for i in range(n):
        guide = GuidePage(
            title=f"Guide {i}",
            slug=f"guide-{i}",
            summary="Résumé.",
            content_owner_person=kotje.owner,
            audience_everyone=bool(i % 2),
        )
        if not i % 2:
            guide.audience_organisations = [kotje.bailleul]
        publish(kotje.theme, guide)
        feedback_record(guide=kotje.conge, user=kotje.rh_agent, helpful=True, comment=f"Avis {i}")
        task = Task.objects.create(slug=f"tache-{i}", name=f"Tâche {i}")
        tool = ToolPage(
            title=f"Outil {i}",
            slug=f"outil-{i}",
            status=ToolStatus.FORBIDDEN if i % 2 else ToolStatus.APPROVED,
            purpose="Pour.",
            use_instead=kotje.ged if i % 2 else None,
        )
        tool.tasks = [task, kotje.tasks["discuter"]]
        publish(kotje.tools_index, tool)


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# Each URL: (query count with the small fixture) == (with 6 more guides, tools, tasks and answers).
URLS = [
    "/kotje/",
    "/kotje/rh/",
    "/kotje/rh/poser-un-conge/",
    "/kotje/outils/",
    "/kotje/outils/?statut=approved&tache=discuter",
    "/kotje/outils/quel-outil/",
    "/kotje/outils/ged/",
]


@pytest.mark.parametrize("url", URLS)
def test_query_count_does_not_grow(client, kotje, url):
    client.force_login(kotje.cassel_agent)
    client.get(url)  # warm the site-root cache, as in production
    before = _count(client, url)
    _more(kotje, 6)
    client.get(url)
    assert _count(client, url) == before


# Every page: session, user, unread notifications (3). Pages reached through Wagtail's routing add the site,
# one query per path segment below the site root, the specific page, aliases and view restrictions
# (/kotje/rh/ : 8); /kotje/ is served straight by kotje.views.index (page + specific, 2).
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # 3 + 2 + the chart (audience filter), themes + departments, grouped guide counts, the catalogue,
        # the finder, the breadcrumb
        ("/kotje/", 11),
        # 3 + 8 + the chart, the guides of the theme, the theme's department, the breadcrumb
        ("/kotje/rh/", 15),
        # 3 + 9 + page permissions and workflow state (can the agent edit?), live revision + its editor,
        # breadcrumb, owner, attachments + documents, related tools, the agent's own feedback
        ("/kotje/rh/poser-un-conge/", 21),
        # 3 + 8 + tasks, tools + use_instead, tasks of the tools, the finder, the breadcrumb
        ("/kotje/outils/", 16),
        # 3 + 10 (three segments, and the ToolFinderPage row) + tasks, their tools + use_instead, breadcrumb
        ("/kotje/outils/quel-outil/", 16),
    ],
)
def test_query_counts_pinned(client, kotje, url, expected, django_assert_num_queries):
    client.force_login(kotje.cassel_agent)
    client.get(url)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_dashboard_panel_and_profile_section_cost_constant_queries(rf, kotje, django_assert_num_queries):
    """« Guides de mon service » and the profile section: one query when the candidates are all for everyone
    or the viewer's chart is known; three (the chart, a check of the restricted ones) otherwise."""
    from intranet.audience import audience_keys
    from kotje.queries import dashboard_panel_context, profile_section_context

    def request_for(user, *, chart_known=False):
        request = rf.get("/")
        request.user = type(user).objects.get(pk=user.pk)
        if chart_known:
            audience_keys(request.user)
        kotje.home.get_url(request)  # the site lookup, which the page around them already made
        return request

    def panel(user, queries, **kwargs):
        request = request_for(user, **kwargs)
        with django_assert_num_queries(queries):
            return [g.title for g in dashboard_panel_context(request)["guides"]]

    def section(user, queries, **kwargs):
        request = request_for(user, **kwargs)
        with django_assert_num_queries(queries):
            return [i["label"] for i in profile_section_context(request, kotje.owner)["items"]]

    # The RH theme holds a guide for Bailleul only (restricted): checked, and hidden from Céline (CCFI).
    assert panel(kotje.owner, 3) == ["Poser un congé"]
    assert panel(kotje.owner, 1, chart_known=True) == ["Poser un congé"]
    # Céline owns one guide, for everyone.
    assert section(kotje.cassel_agent, 1) == ["Poser un congé"]
    _more(kotje, 6)  # three more for everyone, three for Bailleul only, all owned by Céline
    assert len(panel(kotje.owner, 3)) == 4
    assert len(panel(kotje.owner, 1, chart_known=True)) == 4
    assert len(section(kotje.cassel_agent, 3)) == 4
    assert len(section(kotje.cassel_agent, 1, chart_known=True)) == 4
    assert len(section(kotje.bailleul_agent, 3)) == 7
