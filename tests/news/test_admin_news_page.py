"""News pages through the Wagtail admin: an editor submits, a communication manager publishes; the audience
and the must-read due date are validated in the admin form, with French messages."""

import pytest
from django.urls import reverse
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from intranet.news.models import NewsPage

pytestmark = pytest.mark.django_db


def _add_url(portal):
    return reverse("wagtailadmin_pages:add", args=("news", "newspage", portal.index.pk))


def _form(portal, **overrides):
    data = {
        "title": "Fermeture des services le 2 janvier",
        "slug": "fermeture-2-janvier",
        "intro": "Les services seront fermés au public.",
        "body": streamfield([("paragraph", rich_text("<p>Une permanence est assurée.</p>"))]),
        "category": portal.category.pk,
        "must_read": "on",
        "must_read_due": "2027-01-02",
        "audience_everyone": "on",
    }
    data.update(overrides)
    # Multiple choices go as repeated values, beside the nested (StreamField) data.
    choices = {k: data.pop(k) for k in ("audience_organisations", "audience_departments") if k in data}
    return {**nested_form_data({k: v for k, v in data.items() if v is not None}), **choices}


def test_editor_submits_and_manager_publishes(client, portal):
    """« Rédacteurs » submit to moderation; the page goes live only when « Responsables communication »
    approve it."""
    client.force_login(portal.editor)
    response = client.post(_add_url(portal), {**_form(portal), "action-submit": "Submit"})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = NewsPage.objects.get(slug="fermeture-2-janvier")
    assert not page.live
    state = WorkflowState.objects.for_instance(page).get()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS

    # The editor cannot approve their own submission.
    task_state = state.current_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk))
    client.post(url, {"comment": ""})
    page.refresh_from_db()
    assert not page.live

    client.force_login(portal.manager)
    response = client.post(url, {"comment": "Parfait."})
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.live and page.must_read and page.owner == portal.editor


def test_editor_cannot_publish_directly(client, portal):
    """The publish button does not publish for an editor: the page stays a draft."""
    client.force_login(portal.editor)
    client.post(_add_url(portal), {**_form(portal), "action-publish": "Publish"})
    page = NewsPage.objects.filter(slug="fermeture-2-janvier").first()
    assert page is None or not page.live


@pytest.mark.parametrize(
    ("everyone", "choose", "message"),
    [
        (
            "on",
            True,
            "Choisissez soit « tous les agents », soit des employeurs et/ou des services, pas les deux.",
        ),
        (None, False, "Choisissez au moins un employeur ou un service, ou cochez « tous les agents »."),
    ],
)
def test_unknown_audience_combination_is_refused(client, portal, everyone, choose, message):
    """Everyone plus chosen employers, or nobody at all, is refused with a French message; the valid choice
    then saves."""
    client.force_login(portal.manager)
    data = _form(
        portal,
        audience_everyone=everyone,
        audience_organisations=[portal.bailleul.pk] if choose else [],
    )
    response = client.post(_add_url(portal), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not NewsPage.objects.filter(slug="fermeture-2-janvier").exists()

    valid = _form(portal, audience_everyone=None, audience_organisations=[portal.bailleul.pk])
    response = client.post(_add_url(portal), valid)
    assert response.status_code == 302
    page = NewsPage.objects.get(slug="fermeture-2-janvier")
    assert [o.pk for o in page.audience_organisations.all()] == [portal.bailleul.pk]


def test_due_date_without_must_read_is_refused(client, portal):
    client.force_login(portal.manager)
    response = client.post(_add_url(portal), _form(portal, must_read=None))
    assert "Une date limite n&#x27;a de sens que pour une actualité à lire obligatoirement." in (
        response.content.decode()
    )
    response = client.post(_add_url(portal), _form(portal, must_read=None, must_read_due=""))
    assert response.status_code == 302


def test_category_snippet_is_managed_in_the_admin(client, portal):
    client.force_login(portal.manager)
    url = reverse("wagtailsnippets_news_newscategory:add")
    response = client.post(url, {"name": "Environnement", "slug": "environnement"})
    assert response.status_code == 302
    response = client.get(reverse("wagtailsnippets_news_newscategory:list"))
    assert "Environnement" in response.content.decode()
