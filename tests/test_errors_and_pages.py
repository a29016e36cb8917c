"""French error pages, CSRF failures, security headers, admin access, the home dashboard."""

import pytest
from django.test import Client
from django.urls import reverse

from intranet.notifications.actions import notify

pytestmark = pytest.mark.django_db


def test_unknown_url_gets_french_404(agent_client):
    response = agent_client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_csrf_failure_gets_french_page_and_loses_nothing(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    notify(recipients=[agent], verb="x", text="Une", url="/")
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 403
    assert "Le formulaire a expiré" in response.content.decode()
    assert agent.notifications.unread().count() == 1


def test_server_error_page_is_french_and_standalone(rf):
    from intranet.errors import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()


def test_responses_carry_security_headers(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp and "frame-ancestors 'self'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_django_admin_is_for_it_only(agent_client, make_user):
    staff = make_user("camille.martin", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get("/django-admin/").status_code == 302  # to the admin login: not allowed
    it = make_user("admin.si", superuser=True)
    client.force_login(it)
    assert client.get("/django-admin/").status_code == 200


def test_wagtail_admin_and_organisation_screens(make_user, host_org):
    it = make_user("admin.si", superuser=True)
    client = Client()
    client.force_login(it)
    assert client.get("/cms/").status_code == 200
    for url in ("/cms/organisations/", "/cms/services/", "/cms/agents/", "/cms/journal/"):
        assert client.get(url).status_code == 200, url


def test_department_created_in_wagtail_admin_gets_its_group(make_user, host_org):
    from intranet.people.models import Department

    it = make_user("admin.si", superuser=True)
    client = Client()
    client.force_login(it)
    response = client.post(
        "/cms/services/new/",
        {"name": "Tourisme", "slug": "tourisme", "kind": "service", "organisation": host_org.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    department = Department.objects.get(slug="tourisme")
    assert department.group.name == "Tourisme [tourisme]"


def test_agent_cannot_reach_wagtail_admin(agent_client):
    response = agent_client.get("/cms/")
    assert response.status_code in (302, 403)
    assert response.status_code != 200


def test_home_dashboard_shows_my_latest_notifications(agent_client, agent, make_user):
    other = make_user()
    notify(recipients=[agent], verb="x", text="Pour moi", url="/")
    notify(recipients=[other], verb="x", text="Pour un collègue", url="/")
    page = agent_client.get("/").content.decode()
    assert "Bonjour Marie" in page and "Pour moi" in page and "Pour un collègue" not in page


def test_home_query_count_is_constant(agent_client, agent, django_assert_max_num_queries):
    """B9 budget: at most 15 queries with every fragment out of date, the same with 1 or 30 notifications."""
    from intranet import dashboard

    notify(recipients=[agent], verb="x", text="Une", url="/")
    agent_client.get("/")
    dashboard.bump(dashboard.PERMISSIONS, dashboard.PAGES)  # every fragment out of date
    with django_assert_max_num_queries(15) as ctx:
        agent_client.get("/")
    first = len(ctx.captured_queries)
    for i in range(30):
        notify(recipients=[agent], verb="x", text=f"N{i}", url="/")
    dashboard.bump(dashboard.PERMISSIONS, dashboard.PAGES)  # every fragment out of date
    with django_assert_max_num_queries(first):
        agent_client.get("/")


def test_language_switch_to_english(agent_client):
    agent_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = agent_client.get(reverse("notifications:list")).content.decode()
    assert 'lang="en"' in page and "Skip to content" in page and "Main navigation" in page


def test_french_even_when_the_browser_asks_for_english(agent_client):
    """French first: Accept-Language is ignored; only the agent's own choice switches the language."""
    page = agent_client.get(
        reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    ).content.decode()
    assert 'lang="fr"' in page


def test_permission_denied_page_is_french(rf):
    from intranet.errors import permission_denied

    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = permission_denied(request)
    assert response.status_code == 403 and "Accès refusé" in response.content.decode()
