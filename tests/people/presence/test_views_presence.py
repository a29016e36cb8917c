"""« Qui est là ? », « Ma semaine et mes absences » and the org chart pages: what they show, what they never
show (reasons), query counts."""

from datetime import timedelta

import pytest

from intranet.people.models import Absence

from .conftest import HIDDEN_REASON, SECRET_REASON, WEDNESDAY

pytestmark = pytest.mark.django_db


def test_presence_page_shows_status_absence_and_contact(week, helene_client):
    response = helene_client.get("/qui-est-la/")
    html = response.content.decode()
    assert response.status_code == 200
    noel = html[html.index('id="presence-noel.vanhee"') :]
    noel = noel[: noel.index("</li>")]
    assert "Absent·e jusqu'au 11 décembre" in noel and 'href="/annuaire/paul.dewitte/"' in noel
    paul = html[html.index('id="presence-paul.dewitte"') :]
    paul = paul[: paul.index("</li>")]
    assert "Absent·e" in paul and "jusqu" not in paul
    helene = html[html.index('id="presence-helene.lefebvre"') :]
    assert "En télétravail" in helene[: helene.index("</li>")]


def test_presence_for_another_day_and_department(week, helene_client):
    thursday = (WEDNESDAY + timedelta(days=1)).isoformat()
    html = helene_client.get(f"/qui-est-la/?service={week.urbanisme.slug}&jour={thursday}").content.decode()
    assert 'id="presence-helene.lefebvre"' in html and 'id="presence-noel.vanhee"' not in html
    assert "Au bureau" in html
    # A malformed day or department is ignored, not an error.
    assert helene_client.get("/qui-est-la/?jour=2026-13-45&service=%3Cx%3E").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/qui-est-la/",
        "/qui-est-la/?service={slug}",
        "/annuaire/",
        "/annuaire/noel.vanhee/",
        "/annuaire/paul.dewitte/",
        "/annuaire/services/{hab}/",
        "/annuaire/services/{urb}/",
        "/organigramme/",
        "/api/v1/people/noel.vanhee",
        "/api/v1/people?q=noel",
    ],
)
def test_reasons_never_reach_colleagues(week, helene_client, url):
    """Whatever the page, the API or the visibility chosen, a colleague never reads an absence's reason."""
    url = url.format(slug=week.amenagement.slug, hab=week.habitat.slug, urb=week.urbanisme.slug)
    response = helene_client.get(url)
    assert response.status_code == 200, url
    body = response.content.decode()
    assert SECRET_REASON not in body and HIDDEN_REASON not in body


def test_directory_and_profile_say_absent_until_and_whom_to_contact(week, helene_client):
    html = helene_client.get("/annuaire/noel.vanhee/").content.decode()
    notice = html[html.index('id="profile-absence"') :]
    notice = notice[: notice.index("</p>")]
    assert "Absent·e jusqu'au vendredi 11 décembre 2026 inclus" in notice
    assert "contacter" in notice and 'href="/annuaire/paul.dewitte/"' in notice
    # Paul hides his dates: his profile says he is away today, without a date.
    html = helene_client.get("/annuaire/paul.dewitte/").content.decode()
    assert "Absent·e aujourd'hui" in html.replace("&#x27;", "'")
    results = helene_client.get("/annuaire/?q=vanhee").content.decode()
    assert "Absent·e jusqu'au 11 décembre" in results and "contacter" in results


def test_own_page_shows_reasons_to_the_agent_only(client, week):
    client.force_login(week.noel)
    html = client.get("/qui-est-la/mes-absences/").content.decode()
    assert SECRET_REASON in html and HIDDEN_REASON not in html
    assert "Importée du logiciel RH" in html


def test_agent_declares_changes_and_withdraws_an_absence(client, week):
    client.force_login(week.helene)
    data = {
        "action": "absence",
        "start": "2026-12-14",
        "end": "2026-12-18",
        "reason": "Congés",
        "visibility": "dates",
    }
    assert client.post("/qui-est-la/mes-absences/", data).status_code == 302
    absence = Absence.objects.get(user=week.helene)
    assert (absence.start.isoformat(), absence.end.isoformat(), absence.source) == (
        "2026-12-14",
        "2026-12-18",
        "agent",
    )
    # End before start: a French message, nothing written.
    bad = dict(data, start="2026-12-20")
    response = client.post("/qui-est-la/mes-absences/", bad)
    assert response.status_code == 400 and "avant le premier" in response.content.decode()
    assert Absence.objects.filter(user=week.helene).count() == 1
    # Someone else's absence: 404, untouched; then the agent's own.
    post = {"action": "delete", "absence": week.noel_absence.pk}
    assert client.post("/qui-est-la/mes-absences/", post).status_code == 404
    assert (
        client.post(
            "/qui-est-la/mes-absences/",
            {"action": "visibility", "absence": absence.pk, "visibility": "absent"},
        ).status_code
        == 302
    )
    absence.refresh_from_db()
    assert absence.visibility == "absent"
    assert (
        client.post("/qui-est-la/mes-absences/", {"action": "delete", "absence": absence.pk}).status_code
        == 302
    )
    assert not Absence.objects.filter(pk=absence.pk).exists()


def test_agent_sets_the_weekly_pattern(client, week):
    client.force_login(week.anais)
    data = {
        "action": "pattern",
        "jour_1": "bureau",
        "jour_2": "teletravail",
        "jour_3": "non",
        "jour_4": "bureau",
        "jour_5": "teletravail",
    }
    assert client.post("/qui-est-la/mes-absences/", data).status_code == 302
    week.anais.refresh_from_db()
    assert (week.anais.office_days, week.anais.remote_days) == ([1, 4], [2, 5])
    html = client.get("/annuaire/anais.decool/").content.decode()
    assert "mardi, vendredi" in html


def test_hr_absence_cannot_be_withdrawn_by_the_agent(client, week):
    client.force_login(week.noel)
    assert (
        client.post(
            "/qui-est-la/mes-absences/", {"action": "delete", "absence": week.noel_absence.pk}
        ).status_code
        == 404
    )
    assert Absence.objects.filter(pk=week.noel_absence.pk).exists()


def test_presence_page_query_count_is_pinned(week, helene_client, make_user, django_assert_max_num_queries):
    """Session, user, unread count, the department choices, the agents, their absences, the chart, the
    sites (rooms' section): the same whatever the number of agents."""
    # Anaïs at the office on Wednesday: the sites' section runs its query from the start.
    week.anais.office_days = [3]
    week.anais.save()
    helene_client.get("/qui-est-la/")
    with django_assert_max_num_queries(11) as before:
        helene_client.get("/qui-est-la/")
    for i in range(15):
        make_user(f"extra{i}", office_days=[3], office="Siège – Hazebrouck")
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert 'id="presence-extra14"' in helene_client.get("/qui-est-la/").content.decode()


def test_signed_out_visitor_is_sent_to_login(client, week):
    assert client.get("/qui-est-la/").status_code == 302
    assert client.get("/organigramme/").status_code == 302
