"""Agents see only guides addressed to them: in theme listings, on the guide itself, on Kotje's home, on the
dashboard and on profiles; everything else answers 404 like a missing page."""

import pytest

from kotje.models import GuidePage

pytestmark = pytest.mark.django_db


def test_cassel_agent_does_not_see_bailleul_guide_in_theme(client, kotje):
    """The Bailleul-only guide is missing from the theme listing of an agent of Cassel."""
    client.force_login(kotje.cassel_agent)
    html = client.get("/kotje/rh/").content.decode()
    assert "Poser un congé" in html
    assert "État civil de Bailleul" not in html


def test_bailleul_agent_sees_bailleul_guide_in_theme(client, kotje):
    client.force_login(kotje.bailleul_agent)
    html = client.get("/kotje/rh/").content.decode()
    assert "Poser un congé" in html and "État civil de Bailleul" in html


def test_cassel_agent_gets_404_on_bailleul_guide(client, kotje):
    """Not addressed and missing look alike; the agent of Bailleul reads it."""
    client.force_login(kotje.cassel_agent)
    assert client.get("/kotje/rh/etat-civil-bailleul/").status_code == 404
    client.force_login(kotje.bailleul_agent)
    response = client.get("/kotje/rh/etat-civil-bailleul/")
    assert response.status_code == 200
    assert "<h1>État civil de Bailleul</h1>" in response.content.decode()


def test_department_audience_includes_sub_services(client, kotje):
    """A guide for the RH department reaches an agent of its sub-service « Paie », not Cassel's."""
    guide = GuidePage.objects.get(pk=kotje.bailleul_only.pk)
    guide.audience_organisations = []
    guide.audience_departments = [kotje.rh]
    guide.save()
    client.force_login(kotje.rh_agent)
    assert client.get("/kotje/rh/etat-civil-bailleul/").status_code == 200
    client.force_login(kotje.cassel_agent)
    assert client.get("/kotje/rh/etat-civil-bailleul/").status_code == 404


def test_index_counts_only_visible_guides(client, kotje):
    client.force_login(kotje.cassel_agent)
    assert "1 guide<" in client.get("/kotje/").content.decode()
    client.force_login(kotje.bailleul_agent)
    assert "2 guides<" in client.get("/kotje/").content.decode()


def test_unpublished_guide_is_404(client, kotje):
    kotje.conge.unpublish()
    client.force_login(kotje.owner)
    assert client.get("/kotje/rh/poser-un-conge/").status_code == 404


def test_feedback_on_guide_not_addressed_is_404(client, kotje):
    client.force_login(kotje.cassel_agent)
    response = client.post(f"/kotje/avis/{kotje.bailleul_only.pk}/", {"helpful": "oui"})
    assert response.status_code == 404
    assert not kotje.bailleul_only.feedbacks.exists()
    client.force_login(kotje.bailleul_agent)
    assert client.post(f"/kotje/avis/{kotje.bailleul_only.pk}/", {"helpful": "oui"}).status_code == 302


def test_tool_page_hides_link_to_guide_not_addressed(client, kotje):
    """A tool's guide is linked only for agents who may read it."""
    kotje.ged.guide = kotje.bailleul_only
    kotje.ged.save_revision().publish()
    client.force_login(kotje.cassel_agent)
    assert 'id="tool-guide"' not in client.get("/kotje/outils/ged/").content.decode()
    client.force_login(kotje.bailleul_agent)
    assert 'id="tool-guide"' in client.get("/kotje/outils/ged/").content.decode()


def test_profile_section_lists_owned_guides_the_viewer_may_read(client, kotje):
    """Céline owns « Poser un congé »; the Bailleul service owns the Bailleul guide, hidden from Cassel."""
    client.force_login(kotje.cassel_agent)
    html = client.get("/annuaire/celine.dewaele/").content.decode()
    assert 'id="section-kotje-guides"' in html and "Poser un congé" in html
    html = client.get("/annuaire/amandine.cordier/").content.decode()
    assert "État civil de Bailleul" not in html and 'id="section-kotje-guides"' not in html
    client.force_login(kotje.bailleul_agent)
    html = client.get("/annuaire/amandine.cordier/").content.decode()
    assert "État civil de Bailleul" in html


def test_dashboard_panel_lists_guides_of_my_department(client, kotje):
    """Guides of themes linked to my department (RH → « Poser un congé ») or owned by it."""
    client.force_login(kotje.owner)
    html = client.get("/").content.decode()
    assert "Guides de mon service" in html
    start = html.index('id="dashboard-kotje-guides"')
    assert "Poser un congé" in html[start : start + 500]
    client.force_login(kotje.bailleul_agent)
    html = client.get("/").content.decode()
    start = html.index('id="dashboard-kotje-guides"')
    panel = html[start : start + 500]
    assert "État civil de Bailleul" in panel and "Poser un congé" not in panel


def test_theme_without_guides_for_the_agent_is_not_listed(client, kotje):
    """A theme whose guides all address others (or that has none) is not offered on Kotje's home."""
    from kotje.models import ThemePage

    index = ThemePage.objects.get(slug="rh").get_parent()
    index.add_child(instance=ThemePage(title="Marchés publics", slug="marches", intro="Bientôt"))
    client.force_login(kotje.cassel_agent)
    html = client.get("/kotje/").content.decode()
    assert "Ressources humaines" in html and "Marchés publics" not in html
    kotje.conge.unpublish()
    html = client.get("/kotje/").content.decode()
    assert 'id="kotje-theme-list"' not in html and "Aucun thème pour le moment." in html
