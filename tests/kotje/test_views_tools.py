"""The tools catalogue (filter by status and by task) and « Quel outil pour… ? »."""

import pytest

pytestmark = pytest.mark.django_db


def _tool_list(html):
    start = html.index('id="tool-list"')
    return html[start : html.index("statuts-legende")]


def test_catalogue_lists_approved_tools_first(client, kotje):
    client.force_login(kotje.cassel_agent)
    html = _tool_list(client.get("/kotje/outils/").content.decode())
    assert html.index("Discussions") < html.index("GED intercommunale") < html.index("Drive personnel")
    # The status is written out, not only shown by a colour.
    assert "Autorisé" in html and "Interdit" in html
    assert 'Utilisez plutôt :</strong> <a href="/kotje/outils/ged/">GED intercommunale</a>' in html


def test_catalogue_filters_by_status(client, kotje):
    client.force_login(kotje.cassel_agent)
    html = _tool_list(client.get("/kotje/outils/?statut=forbidden").content.decode())
    assert "Drive personnel" in html and "Discussions</a>" not in html


def test_catalogue_filters_by_task(client, kotje):
    client.force_login(kotje.cassel_agent)
    html = _tool_list(client.get("/kotje/outils/?tache=partager-un-fichier").content.decode())
    assert "GED intercommunale" in html and "Drive personnel" in html and "Discussions</a>" not in html


@pytest.mark.parametrize(
    "query", ["statut=perime", "tache=nimporte-quoi", "statut=%00%27%22<script>", "tache=" + "x" * 5000]
)
def test_catalogue_unknown_filter_is_reported_and_ignored(client, kotje, query):
    client.force_login(kotje.cassel_agent)
    response = client.get(f"/kotje/outils/?{query}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "n&#x27;existe pas" in html or "n'existe pas" in html
    assert "Discussions" in _tool_list(html)


def test_finder_answers_which_tool_to_share_a_file(client, kotje):
    """« Quel outil pour partager un fichier ? » → the GED, and not a personal drive."""
    client.force_login(kotje.cassel_agent)
    html = client.get("/kotje/outils/quel-outil/?tache=partager-un-fichier").content.decode()
    answers = html[html.index('id="finder-answers"') :]
    assert "Pour partager un fichier" in answers
    use = answers[answers.index("Utilisez") : answers.index("À éviter")]
    assert 'href="/kotje/outils/ged/">GED intercommunale</a>' in use
    avoid = answers[answers.index("À éviter") :]
    assert "Drive personnel" in avoid and "utilisez plutôt" in avoid
    assert "Pour discuter" not in answers


def test_finder_lists_every_task(client, kotje):
    client.force_login(kotje.cassel_agent)
    html = client.get("/kotje/outils/quel-outil/").content.decode()
    assert "Pour partager un fichier" in html and "Pour discuter" in html
    html = client.get("/kotje/outils/quel-outil/?tache=inconnue").content.decode()
    assert "Cette tâche n&#x27;existe pas : voici toutes les tâches." in html and "Pour discuter" in html


def test_forbidden_tool_page_says_what_to_use_instead(client, kotje):
    client.force_login(kotje.cassel_agent)
    html = client.get("/kotje/outils/drive/").content.decode()
    assert "N'utilisez pas cet outil pour le travail." in html
    assert 'Utilisez plutôt : <a href="/kotje/outils/ged/">GED intercommunale</a>' in html
    assert "Interdit" in html


def test_approved_tool_page_links_its_guide_and_what_it_replaces(client, kotje):
    client.force_login(kotje.cassel_agent)
    html = client.get("/kotje/outils/ged/").content.decode()
    assert 'href="/kotje/rh/poser-un-conge/" id="tool-guide"' in html
    assert "À utiliser à la place de" in html and "Drive personnel" in html
    assert "?tache=partager-un-fichier" in html


def test_nav_and_kotje_index(client, kotje):
    client.force_login(kotje.cassel_agent)
    html = client.get("/kotje/").content.decode()
    assert '<a href="/kotje/" aria-current="page">Kotje</a>' in html
    assert 'href="/kotje/outils/quel-outil/"' in html and 'href="/kotje/rh/"' in html


def test_kotje_url_leads_to_the_kotje_home_whatever_its_slug(client, kotje):
    """The menu's /kotje/ redirects to the Kotje home if an editor renamed its slug."""
    index = kotje.index.specific
    index.slug = "savoir-faire"
    index.save_revision().publish()
    client.force_login(kotje.cassel_agent)
    response = client.get("/kotje/")
    assert response.status_code == 302 and response["Location"] == "/savoir-faire/"
    assert client.get("/savoir-faire/rh/poser-un-conge/").status_code == 200
