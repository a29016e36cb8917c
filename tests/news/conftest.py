"""A small territory for the portal: the CCFI, Bailleul and Cassel, a few services and agents, the news list
with its moderation workflow, and a helper that publishes news the way the demo does."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.rich_text import RichText

from intranet.news.actions import news_index_ensure, news_moderation_ensure
from intranet.news.models import NewsCategory, NewsPage
from intranet.news.permissions import EDITORS_GROUP, MANAGERS_GROUP
from intranet.people.actions import department_create
from intranet.people.choices import OrganisationKind
from intranet.people.models import Organisation


@pytest.fixture
def portal(db, host_org, make_user):
    bailleul = Organisation.objects.create(name="Bailleul", kind=OrganisationKind.COMMUNE, insee_code="59043")
    cassel = Organisation.objects.create(name="Cassel", kind=OrganisationKind.COMMUNE, insee_code="59135")
    resources = department_create(name="Direction des ressources", organisation=host_org)
    hr = department_create(name="Ressources humaines", organisation=host_org, parent=resources)
    communication = department_create(name="Communication", organisation=host_org)
    index = news_index_ensure()
    news_moderation_ensure(index=index)
    hr_agent = make_user(
        "marine.petit", first_name="Marine", last_name="Petit", employer=host_org, department=hr
    )
    bailleul_agent = make_user(
        "amandine.cordier", first_name="Amandine", last_name="Cordier", employer=bailleul
    )
    cassel_agent = make_user("ines.benali", first_name="Inès", last_name="Benali", employer=cassel)
    editor = make_user(
        "camille.martin",
        first_name="Camille",
        last_name="Martin",
        employer=host_org,
        department=communication,
    )
    manager = make_user(
        "aurelie.lemaire",
        first_name="Aurélie",
        last_name="Lemaire",
        employer=host_org,
        department=communication,
    )
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    manager.groups.add(Group.objects.get(name=MANAGERS_GROUP))
    category = NewsCategory.objects.create(name="Ressources humaines", slug="ressources-humaines")
    other_category = NewsCategory.objects.create(name="Vie des communes", slug="communes")
    return SimpleNamespace(
        host=host_org,
        bailleul=bailleul,
        cassel=cassel,
        resources=resources,
        hr=hr,
        communication=communication,
        index=index,
        hr_agent=hr_agent,
        bailleul_agent=bailleul_agent,
        cassel_agent=cassel_agent,
        editor=editor,
        manager=manager,
        category=category,
        other_category=other_category,
    )


@pytest.fixture
def publish(portal):
    """Publish a news item under the news list (as the communication manager), `days_ago` days ago."""
    counter = {"n": 0}

    def do_publish(
        title="Une actualité",
        *,
        intro="Un chapeau de deux phrases.",
        text="Le contenu de l'actualité.",
        must_read=False,
        due=None,
        organisations=(),
        departments=(),
        category=None,
        days_ago=1,
        owner=None,
    ):
        counter["n"] += 1
        page = NewsPage(
            title=title,
            slug=f"actualite-{counter['n']}",
            intro=intro,
            body=[("paragraph", RichText(f"<p>{text}</p>"))],
            must_read=must_read,
            must_read_due=due,
            category=category or portal.category,
            audience_everyone=not (organisations or departments),
            owner=owner or portal.editor,
        )
        page.audience_organisations = list(organisations)
        page.audience_departments = list(departments)
        portal.index.add_child(instance=page)
        page.save_revision(user=page.owner).publish(user=portal.manager)
        when = timezone.now() - timedelta(days=days_ago)
        NewsPage.objects.filter(pk=page.pk).update(first_published_at=when, last_published_at=when)
        page.refresh_from_db()
        return page

    return do_publish


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login
