"""Page slugs become plain ASCII and every old address keeps working through a redirect (news migration
0004, issue 19 part 8)."""

from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from wagtail.models import Page, Revision

migration = import_module("intranet.news.migrations.0004_ascii_page_slugs")


def _give_slug(page, slug):
    """What a page created while Unicode slugs were allowed looks like: slug, url_path, its subtree's paths
    and its latest revision."""
    old = page.url_path
    new = old[: -len(page.slug) - 1] + slug + "/"
    for node in Page.objects.filter(path__startswith=page.path):
        Page.objects.filter(pk=node.pk).update(url_path=new + node.url_path[len(old) :])
    Page.objects.filter(pk=page.pk).update(slug=slug)
    for revision in Revision.objects.filter(object_id=str(page.pk)):
        revision.content["slug"] = slug
        revision.save(update_fields=["content"])


def test_unicode_slugs_are_off():
    assert settings.WAGTAIL_ALLOW_UNICODE_SLUGS is False


def test_non_ascii_slug_becomes_ascii_and_the_old_url_redirects(client_for, portal, publish):
    taken = publish("Déjà là")
    Page.objects.filter(pk=taken.pk).update(
        slug="fermee-le-24", url_path=portal.index.url_path + "fermee-le-24/"
    )
    page = publish("Fermée le 24")
    _give_slug(page, "fermée-le-24-cœur")
    client = client_for(portal.hr_agent)
    assert client.get("/actualites/ferm%C3%A9e-le-24-c%C5%93ur/").status_code == 200  # before: served

    migration.forwards(apps, None)

    page.refresh_from_db()
    assert page.slug == "fermee-le-24-coeur"
    assert page.url_path == portal.index.url_path + "fermee-le-24-coeur/"
    assert client.get("/actualites/fermee-le-24-coeur/").status_code == 200
    old = client.get("/actualites/ferm%C3%A9e-le-24-c%C5%93ur/")
    assert old.status_code == 301 and old["Location"].endswith("/actualites/fermee-le-24-coeur/")
    assert Revision.objects.get(pk=page.latest_revision_id).content["slug"] == "fermee-le-24-coeur"
    # The ASCII page already there kept its slug; a clash would have been numbered.
    taken.refresh_from_db()
    assert taken.slug == "fermee-le-24"


def test_clash_with_a_sibling_is_numbered_and_descendants_keep_their_old_addresses(
    client_for, portal, publish
):
    child = publish("Une actualité")
    other = publish("Autre")
    Page.objects.filter(pk=other.pk).update(slug="ete", url_path=portal.index.url_path + "ete/")
    _give_slug(Page.objects.get(pk=child.pk), "été")
    _give_slug(Page.objects.get(pk=portal.index.pk), "actualités")

    migration.forwards(apps, None)
    migration.forwards(apps, None)  # a second run finds nothing to do

    portal.index.refresh_from_db()
    child.refresh_from_db()
    assert portal.index.slug == "actualites"
    assert child.slug == "ete-2"
    assert child.url_path == portal.index.url_path + "ete-2/"
    client = client_for(portal.hr_agent)
    assert client.get("/actualites/ete-2/").status_code == 200
    for old in ("/actualit%C3%A9s/", "/actualit%C3%A9s/%C3%A9t%C3%A9/", "/actualites/%C3%A9t%C3%A9/"):
        response = client.get(old)
        assert response.status_code == 301, old
    assert client.get("/actualit%C3%A9s/%C3%A9t%C3%A9/")["Location"].endswith("/actualites/ete-2/")
    assert client.get("/actualit%C3%A9s/")["Location"].endswith("/actualites/")


@pytest.mark.django_db
def test_new_page_without_slug_gets_an_ascii_one(portal):
    from intranet.news.models import NewsPage

    page = NewsPage(title="Fermée le 24 décembre", intro="x", category=portal.category)
    portal.index.add_child(instance=page)
    assert page.slug == "fermee-le-24-decembre"
