"""An agent's profile: everything colleagues need to reach them, and what other apps add through the hook."""

from datetime import timedelta

import pytest
from django.utils import timezone

from intranet import registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def spaces_section(monkeypatch):
    """A section as another app would register it (the GED lists the agent's spaces)."""
    calls = []

    def context(request, person):
        calls.append((request.user.username, person.username))
        if person.username == "noel.vanhee":
            return None  # hidden when there is nothing to show
        return {
            "title": "Espaces documentaires",
            "items": [{"label": "Urbanisme – dossiers", "url": "/ged/1/"}],
        }

    monkeypatch.setitem(
        registry._registry.profile_sections,
        "spaces",
        registry.ProfileSection(
            key="spaces", template="people/directory/_profile_section_links.html", context=context, order=10
        ),
    )
    return calls


def test_profile_shows_everything(client, chart, spaces_section):
    """Job, department path, manager, team, what I do, contact me for, skills, office days, absence with
    backup, phone and e-mail links, and registered sections."""
    client.force_login(chart.anais)
    response = client.get("/annuaire/helene.lefebvre/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Hélène Lefebvre</h1>" in html
    assert "Instructrice du droit des sols" in html
    assert (
        f'href="/annuaire/services/{chart.amenagement.slug}/">Direction de l&#x27;aménagement</a> › ' in html
    )
    assert f'href="/annuaire/services/{chart.urbanisme.slug}/">Urbanisme</a>' in html
    assert 'href="/annuaire/francois.deswarte/">François Deswarte</a>' in html
    assert "J&#x27;instruis les permis de construire" in html
    assert "Un projet de construction" in html
    assert 'href="/annuaire/?q=cadastre">cadastre</a>' in html and 'href="/annuaire/?q=SIG">SIG</a>' in html
    assert "lundi, mardi, jeudi" in html
    assert "Absent·e jusqu'au" in html and 'href="/annuaire/paul.dewitte/">Paul Dewitte</a>' in html
    assert 'href="tel:0328501234">03 28 50 12 34</a>' in html
    assert 'href="mailto:helene.lefebvre@ccfi.example"' in html
    # Team: colleagues of the department; the leaver is not among them.
    assert 'id="profile-colleagues"' in html and "Léo" not in html
    # The registered section, with the viewer and the person it was asked about.
    assert "Espaces documentaires" in html and 'href="/ged/1/">Urbanisme – dossiers</a>' in html
    assert spaces_section == [("anais.decool", "helene.lefebvre")]
    # Someone else's profile has no edit link.
    assert "/annuaire/moi/modifier/" not in html


def test_manager_profile_lists_direct_reports(helene_client, chart):
    html = helene_client.get("/annuaire/francois.deswarte/").content.decode()
    reports = html[html.index('id="profile-reports"') :]
    for name in ("Hélène Lefebvre", "Noël Vanhée", "Paul Dewitte"):
        assert name in reports


def test_own_profile_has_edit_link_and_section_can_hide(client, chart, spaces_section):
    """The agent sees a link to edit their own profile; a section returning None is not shown."""
    client.force_login(chart.noel)
    html = client.get("/annuaire/noel.vanhee/").content.decode()
    assert 'href="/annuaire/moi/modifier/"' in html
    assert "Espaces documentaires" not in html


def test_past_absence_is_not_shown(helene_client, chart):
    chart.helene.absent_until = timezone.localdate() - timedelta(days=1)
    chart.helene.save()
    assert "Absent·e" not in helene_client.get("/annuaire/helene.lefebvre/").content.decode()


@pytest.mark.parametrize("username", ["leo.parti", "nobody.here"])
def test_inactive_or_missing_agent_answers_404(helene_client, chart, username):
    """A leaver's profile answers like a profile that never existed."""
    assert helene_client.get(f"/annuaire/{username}/").status_code == 404
    assert helene_client.get("/annuaire/paul.dewitte/").status_code == 200


def test_profile_query_count_is_pinned(helene_client, chart, make_user, django_assert_num_queries):
    """Session, user, unread count; the person with department, employer, manager and backup; skills; the
    chart; the team — whatever the size of the team — plus one query per section other apps add (their spaces,
    salons, guides)."""
    from intranet.registry import profile_sections

    # The manager chain (issue 19) costs one query only for someone who has a manager; the director has none.
    expected = 7 + len([s for s in profile_sections() if s.key != "manager-chain"])
    url = "/annuaire/francois.deswarte/"
    helene_client.get(url)
    with django_assert_num_queries(expected):
        helene_client.get(url)
    for i in range(10):
        make_user(f"report{i}", manager=chart.director, department=chart.amenagement)
    with django_assert_num_queries(expected):
        assert "report9" in helene_client.get(url).content.decode()


def test_user_menu_leads_to_my_profile(client, chart):
    """« Mon profil » in the user menu of every page opens the agent's own profile."""
    client.force_login(chart.anais)
    html = client.get("/notifications/").content.decode()
    assert f'<a href="/annuaire/{chart.anais.username}/">Mon profil</a>' in html
    assert client.get(f"/annuaire/{chart.anais.username}/").status_code == 200
