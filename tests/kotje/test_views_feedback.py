"""« Cette page vous a-t-elle aidé ? »: one answer per agent and guide, with or without JS; stats for the
owner and editors only."""

import pytest

from kotje.actions import feedback_record
from kotje.models import GuideFeedback

pytestmark = pytest.mark.django_db


def _url(kotje):
    return f"/kotje/avis/{kotje.conge.pk}/"


def test_feedback_without_js_redirects_to_guide(client, kotje):
    client.force_login(kotje.cassel_agent)
    response = client.post(_url(kotje), {"helpful": "oui", "comment": "  Très clair.  "})
    assert response.status_code == 302 and response["Location"] == "/kotje/rh/poser-un-conge/#avis"
    feedback = GuideFeedback.objects.get()
    assert (
        feedback.helpful is True and feedback.comment == "Très clair." and feedback.user == kotje.cassel_agent
    )
    html = client.get("/kotje/rh/poser-un-conge/").content.decode()
    assert "Merci pour votre avis" in html and "Votre réponse : oui." in html


def test_feedback_with_htmx_returns_the_block(client, kotje):
    client.force_login(kotje.cassel_agent)
    response = client.post(
        _url(kotje), {"helpful": "non", "comment": "Il manque le lien."}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<section class="card kotje-feedback" id="avis"')
    assert "Merci pour votre avis" in html and "Votre réponse : non." in html
    assert "<!DOCTYPE" not in html


def test_feedback_twice_is_one_feedback(client, kotje):
    """Answering again updates the answer and its comment."""
    client.force_login(kotje.cassel_agent)
    client.post(_url(kotje), {"helpful": "non", "comment": "Incomplet."})
    client.post(_url(kotje), {"helpful": "oui", "comment": ""})
    feedback = GuideFeedback.objects.get()
    assert feedback.helpful is True and feedback.comment == ""


@pytest.mark.parametrize("answer", ["", "peut-être", "1"])
def test_feedback_without_valid_answer_is_refused_keeping_comment(client, kotje, answer):
    client.force_login(kotje.cassel_agent)
    response = client.post(_url(kotje), {"helpful": answer, "comment": "Mon commentaire"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Répondez en cliquant sur « Oui » ou sur « Non »." in html
    assert "Mon commentaire</textarea>" in html
    assert not GuideFeedback.objects.exists()
    response = client.post(_url(kotje), {"helpful": "oui", "comment": "Mon commentaire"})
    assert response.status_code == 302 and GuideFeedback.objects.count() == 1


def test_feedback_comment_too_long_is_refused(client, kotje):
    client.force_login(kotje.cassel_agent)
    response = client.post(_url(kotje), {"helpful": "oui", "comment": "x" * 2001}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps only 2xx responses: the block shows the error
    assert response.content.decode().startswith('<section class="card kotje-feedback"')
    assert "Votre commentaire dépasse 2000 caractères (il en compte 2001)" in response.content.decode()
    assert not GuideFeedback.objects.exists()


def test_feedback_get_is_refused(client, kotje):
    client.force_login(kotje.cassel_agent)
    assert client.get(_url(kotje)).status_code == 405


def test_feedback_on_missing_guide_is_404(client, kotje):
    client.force_login(kotje.cassel_agent)
    assert client.post(f"/kotje/avis/{kotje.theme.pk}/", {"helpful": "oui"}).status_code == 404
    assert client.post("/kotje/avis/999999/", {"helpful": "oui"}).status_code == 404


@pytest.fixture
def answered(kotje):
    feedback_record(guide=kotje.conge, user=kotje.cassel_agent, helpful=True, comment="Clair et rapide.")
    feedback_record(guide=kotje.conge, user=kotje.bailleul_agent, helpful=False, comment="Lien cassé.")
    feedback_record(guide=kotje.conge, user=kotje.rh_agent, helpful=True)
    return kotje


def test_owner_sees_stats_on_guide_and_report(client, answered):
    client.force_login(answered.owner)
    html = client.get("/kotje/rh/poser-un-conge/").content.decode()
    assert "67 % d'avis positifs sur 3 réponses." in html
    assert "Clair et rapide." in html and "Lien cassé." in html
    response = client.get(f"/kotje/avis/{answered.conge.pk}/statistiques/")
    assert response.status_code == 200 and "Lien cassé." in response.content.decode()


def test_owning_department_member_sees_stats(client, answered):
    """The guide is owned by the RH service: an agent of its sub-service « Paie » sees the stats."""
    answered.conge.content_owner_person = None
    answered.conge.content_owner_department = answered.rh
    answered.conge.save()
    client.force_login(answered.rh_agent)
    assert client.get(f"/kotje/avis/{answered.conge.pk}/statistiques/").status_code == 200


def test_agent_does_not_see_stats(client, answered):
    """Other agents get the guide without the stats, and 404 on the report."""
    client.force_login(answered.cassel_agent)
    html = client.get("/kotje/rh/poser-un-conge/").content.decode()
    assert "avis positifs" not in html and "Lien cassé." not in html
    assert client.get(f"/kotje/avis/{answered.conge.pk}/statistiques/").status_code == 404


def test_editor_sees_stats(client, answered, make_user):
    client.force_login(make_user("admin.si", superuser=True))
    assert "67 % d'avis positifs" in client.get("/kotje/rh/poser-un-conge/").content.decode()
