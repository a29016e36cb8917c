"""Editors create Kotje pages in the Wagtail admin; bad input gets French messages and nothing is lost."""

import pytest
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from intranet.news.models import HomePage
from kotje.models import GuidePage, KotjeIndexPage, ThemePage, ToolFinderPage, ToolPage, ToolsIndexPage

pytestmark = pytest.mark.django_db


class TestPageTree(WagtailPageTestCase):
    def test_tree_shape(self):
        """Kotje lives under the home page; themes hold guides; the catalogue holds tools and the finder."""
        self.assertAllowedParentPageTypes(KotjeIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(KotjeIndexPage, {ThemePage, ToolsIndexPage})
        self.assertAllowedSubpageTypes(ThemePage, {GuidePage})
        self.assertAllowedSubpageTypes(GuidePage, set())
        self.assertAllowedSubpageTypes(ToolsIndexPage, {ToolPage, ToolFinderPage})
        self.assertCanNotCreateAt(Page, GuidePage)


def _guide_data(owner, **overrides):
    data = {
        "title": "Faire une note de frais",
        "slug": "note-de-frais",
        "summary": "Se faire rembourser un déplacement.",
        "steps": streamfield(
            [
                (
                    "step",
                    {
                        "title": "Avoir un ordre de mission",
                        "text": rich_text("<p>Signé avant le départ.</p>"),
                    },
                )
            ]
        ),
        "attachments": inline_formset([]),
        "audience_everyone": "on",
        "content_owner_person": owner.pk,
        "content_owner_department": "",
        "last_reviewed_on": "2026-03-01",
        "next_review_on": "2027-03-01",
        "action-publish": "publish",
    }
    data.update(overrides)
    return nested_form_data(data)


def _add_url(theme):
    return f"/cms/pages/add/kotje/guidepage/{theme.pk}/"


def test_admin_creates_guide_with_steps(client, kotje, make_user):
    admin = make_user("admin.si", superuser=True)
    client.force_login(admin)
    response = client.post(_add_url(kotje.theme), _guide_data(kotje.owner))
    assert response.status_code == 302, response.content.decode()[:3000]
    guide = GuidePage.objects.get(slug="note-de-frais")
    assert guide.live and guide.content_owner_person == kotje.owner
    assert guide.steps[0].value["title"] == "Avoir un ordre de mission"
    assert guide.live_revision.user == admin  # the last editor, distinct from the content owner
    client.force_login(kotje.cassel_agent)
    html = client.get("/kotje/rh/note-de-frais/").content.decode()
    assert "Avoir un ordre de mission" in html and "Céline Dewaele" in html and "par " in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"content_owner_person": ""},
            "Choisissez le propriétaire du contenu : l&#x27;agent ou le service qui répond de ce guide.",
        ),
        (
            {"last_reviewed_on": "2026-03-01", "next_review_on": "2026-02-01"},
            "La prochaine relecture doit venir après la dernière relecture (le 01/03/2026).",
        ),
        (
            {"audience_everyone": ""},
            "Choisissez au moins un employeur ou un service, ou cochez « tous les agents ».",
        ),
    ],
)
def test_admin_refuses_bad_guide_in_french(client, kotje, make_user, overrides, message):
    """The form comes back with a French message and the typed title kept; nothing is created."""
    client.force_login(make_user("admin.si", superuser=True))
    response = client.post(_add_url(kotje.theme), _guide_data(kotje.owner, **overrides))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "La page ne peut être créée du fait d&#x27;erreurs de validation." in html
    assert 'value="Faire une note de frais"' in html
    assert not GuidePage.objects.filter(slug="note-de-frais").exists()


def test_admin_refuses_two_owners(client, kotje, make_user):
    client.force_login(make_user("admin.si", superuser=True))
    response = client.post(
        _add_url(kotje.theme), _guide_data(kotje.owner, content_owner_department=kotje.rh.pk)
    )
    assert (
        "Choisissez un seul propriétaire : un agent ou un service, pas les deux." in response.content.decode()
    )
    assert not GuidePage.objects.filter(slug="note-de-frais").exists()


def test_next_review_defaults_from_last_review(client, kotje, make_user, settings):
    settings.KOTJE_REVIEW_PERIOD_DAYS = 180
    client.force_login(make_user("admin.si", superuser=True))
    client.post(_add_url(kotje.theme), _guide_data(kotje.owner, next_review_on=""))
    assert str(GuidePage.objects.get(slug="note-de-frais").next_review_on) == "2026-08-28"


def _tool_data(tasks=(), **overrides):
    data = {
        "title": "Dropbox",
        "slug": "dropbox",
        "status": "forbidden",
        "use_instead": "",
        "purpose": "Stockage grand public.",
        "description": rich_text(""),
        "who_may_use": "",
        "how_to_get_access": "",
        "tool_url": "",
        "guide": "",
        "contact_department": "",
        "contact_details": "",
        "gdpr_register_ref": "",
        "data_location": "États-Unis",
        "action-publish": "publish",
    }
    data.update(overrides)
    form = nested_form_data(data)
    form["tasks"] = [str(pk) for pk in tasks]
    return form


def test_admin_refuses_forbidden_tool_without_alternative(client, kotje, make_user):
    """A forbidden tool must say what to use instead; with the GED it is created."""
    client.force_login(make_user("admin.si", superuser=True))
    url = f"/cms/pages/add/kotje/toolpage/{kotje.tools_index.pk}/"
    response = client.post(url, _tool_data())
    assert response.status_code == 200
    assert (
        "Un outil interdit doit indiquer l&#x27;outil autorisé à utiliser à sa place."
        in response.content.decode()
    )
    response = client.post(url, _tool_data(use_instead=kotje.drive.pk))
    assert "L&#x27;outil proposé à la place est lui-même interdit" in response.content.decode()
    response = client.post(url, _tool_data(tool_url="javascript:alert(1)", use_instead=kotje.ged.pk))
    assert "Indiquez un chemin de l&#x27;intranet" in response.content.decode()
    response = client.post(
        url, _tool_data(use_instead=kotje.ged.pk, tasks=[kotje.tasks["partager-un-fichier"].pk])
    )
    assert response.status_code == 302
    tool = ToolPage.objects.get(slug="dropbox")
    assert tool.use_instead_id == kotje.ged.pk and list(tool.tasks.all()) == [
        kotje.tasks["partager-un-fichier"]
    ]
