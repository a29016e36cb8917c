"""Issue 19, part 6, on SQLite and PostgreSQL alike: an unaccented word finds the accented one in every source
(pages, people, documents); snippets carry no « ., , » left by the index's joins; the type filter reads as
French (each model's own names, never a lower-cased or doubled plural)."""

import io

import pytest
from django.test import override_settings
from wagtail.rich_text import RichText

from ged.actions import document_upload, space_create
from ged.choices import SpacePolicy
from intranet.search.highlight import index_text
from intranet.search.queries import page_type_label

pytestmark = pytest.mark.django_db

API = "/api/v1/search"
NEWS = "news-newspage"  # a page hit's type is its page type
URL = "/recherche/"


class _Named(io.BytesIO):
    def __init__(self, data, name):
        super().__init__(data)
        self.name = name


@pytest.fixture
def ged_store(settings, tmp_path):
    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    settings.GED_STORAGE_ALIAS = ""


def _titles(client, q, kind):
    return {h["title"] for h in client.get(API, {"q": q}).json()["hits"] if h["type"] == kind}


def test_unaccented_word_finds_an_accented_page(client, portal, publish):
    publish("Réunion de rentrée", text="Ordre du jour.")
    client.force_login(portal.cassel_agent)
    assert _titles(client, "reunion", NEWS) == {"Réunion de rentrée"}
    assert _titles(client, "Réunion", NEWS) == {"Réunion de rentrée"}
    assert _titles(client, "REUNION rentree", NEWS) == {"Réunion de rentrée"}


def test_unaccented_word_finds_an_accented_person(client, portal, make_user):
    make_user("r.eunice", first_name="Réunice", last_name="Dégardin", job_title="Organisatrice de réunions")
    client.force_login(portal.cassel_agent)
    assert _titles(client, "degardin", "people") == {"Réunice Dégardin"}
    assert _titles(client, "Dégardin", "people") == {"Réunice Dégardin"}


def test_unaccented_word_finds_an_accented_document(
    client, portal, ged_store, django_capture_on_commit_callbacks
):
    owner = portal.cassel_agent
    space = space_create(name="Commun", slug="commun", policy=SpacePolicy.OPEN, creator=owner)
    with django_capture_on_commit_callbacks(execute=True):
        document_upload(
            folder=space.root,
            uploaded_file_or_path=_Named(b"Ordre du jour", "Réunion de bureau.txt"),
            author=owner,
        )
        document_upload(
            folder=space.root,
            uploaded_file_or_path=_Named("Compte rendu de la réunion du 3 mars".encode(), "cr.txt"),
            author=owner,
        )
    client.force_login(owner)
    assert _titles(client, "reunion", "ged") == {"Réunion de bureau.txt", "cr.txt"}
    assert _titles(client, "RÉUNION", "ged") == {"Réunion de bureau.txt", "cr.txt"}
    assert _titles(client, "bureau", "ged") == {"Réunion de bureau.txt"}  # control: words still count


def test_index_text_undoes_the_index_joins():
    """The search backend joins a StreamField's blocks with « , », empty ones included."""
    assert index_text("Premier paragraphe. Second., Une citation., , , Fin.") == (
        "Premier paragraphe. Second. Une citation. Fin."
    )
    assert index_text(", , Début, milieu, fin, , ") == "Début, milieu, fin"
    assert index_text("Texte ?, Suite !, Fin") == "Texte ? Suite ! Fin"


def test_page_snippet_has_no_join_artefacts(client, portal, publish):
    page = publish("Réunion des agents", intro="Le chapeau.", text="Premier paragraphe sur la réunion.")
    page.body = [
        ("paragraph", RichText("<p>Premier paragraphe sur la réunion.</p>")),
        ("quote", {"text": "Une citation.", "author": ""}),
        ("paragraph", RichText("<p></p>")),
        ("paragraph", RichText("<p>Fin de la réunion.</p>")),
    ]
    page.save_revision().publish()
    client.force_login(portal.cassel_agent)
    hits = [h for h in client.get(API, {"q": "reunion"}).json()["hits"] if h["type"] == NEWS]
    assert len(hits) == 1
    snippet = hits[0]["snippet"]
    assert "Une citation." in snippet and "Fin de la réunion." in snippet
    for artefact in (".,", ", ,", ",,"):
        assert artefact not in snippet


@override_settings(LANGUAGE_CODE="fr")
def test_type_filter_labels_read_as_french(client, portal, publish):
    from intranet.news.models import NewsPage
    from kotje.models import GuidePage, ToolFinderPage, ToolPage

    assert page_type_label(NewsPage) == "Actualités"
    assert page_type_label(ToolPage) == "Outils"
    assert page_type_label(GuidePage) == "Guides"
    # No verbose_name_plural of its own: never « …s » glued to a quote, never lower-cased.
    label = page_type_label(ToolFinderPage)
    assert not label.endswith("»s") and label[0].isupper() and "Quel outil" in label
    publish("Réunion plénière", text="Salle du conseil.")
    client.force_login(portal.cassel_agent)
    data = client.get(API, {"q": "reunion"}).json()
    labels = {g["type"]: g["label"] for g in data["groups"]}
    assert labels["pages"] == "Pages"
    assert [h["kind"] for h in data["hits"] if h["type"] == NEWS] == ["Actualité"]
    html = client.get(URL, {"q": "reunion"}).content.decode()
    assert "Actualité" in html and "actualité ·" not in html
