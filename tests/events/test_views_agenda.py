"""The agenda's pages: month grid and list show only what is addressed to the agent, with pinned query
counts; an event outside the audience is a 404 like a missing one; bad input gets a French message."""

from datetime import timedelta

import pytest

from events.actions import event_cancel, registration_create
from events.models import Registration

from .conftest import soon


def test_month_and_list_show_only_events_for_the_agent(client, territory, publish_event):
    publish_event("Pour tous")
    publish_event("Pour la RH", departments=[territory.resources])
    publish_event("Pour Cassel", organisations=[territory.cassel])
    client.force_login(territory.hr_agent)
    month = soon().strftime("%Y-%m")
    for url in (f"/agenda/?mois={month}", "/agenda/liste/"):
        html = client.get(url).content.decode()
        assert "Pour tous" in html and "Pour la RH" in html, url
        assert "Pour Cassel" not in html, url


def test_event_outside_the_audience_is_a_404_like_a_missing_one(client, territory, publish_event):
    """Cassel's agent gets the same 404 for the HR event, its routes, and a page that does not exist; the
    HR agent (control) opens it."""
    event = publish_event("Pour la RH", departments=[territory.resources])
    client.force_login(territory.cassel_agent)
    assert client.get(event.url).status_code == 404
    assert client.get(event.url + "ical/").status_code == 404
    assert client.post(event.url + "inscription/").status_code == 404
    assert client.get("/agenda/nexiste-pas/").status_code == 404
    assert not Registration.objects.exists()
    client.force_login(territory.hr_agent)
    assert client.get(event.url).status_code == 200


def test_register_through_the_page_then_twice_gets_a_french_message(client, territory, publish_event):
    event = publish_event(capacity=1)
    client.force_login(territory.hr_agent)
    response = client.post(event.url + "inscription/", follow=True)
    assert response.status_code == 200
    assert "Vous êtes inscrit·e." in response.content.decode()
    response = client.post(event.url + "inscription/", {"garbage": "x" * 5000}, follow=True)
    assert response.status_code == 200
    assert "déjà inscrit·e à cet événement" in response.content.decode()
    assert Registration.objects.filter(event=event).count() == 1
    client.force_login(territory.cassel_agent)
    response = client.post(event.url + "inscription/", follow=True)
    assert "liste d&#x27;attente" in response.content.decode()


@pytest.mark.parametrize("case", ["cancelled", "past", "unregister_not_registered", "get"])
def test_bad_requests_never_500(client, territory, publish_event, case):
    event = publish_event(start=soon(days=-1) if case == "past" else None)
    if case == "cancelled":
        event_cancel(event=event, by=territory.organiser)
    client.force_login(territory.hr_agent)
    if case == "get":
        assert client.get(event.url + "inscription/").status_code == 405
        return
    route = "desinscription/" if case == "unregister_not_registered" else "inscription/"
    response = client.post(
        event.url + route, {"\x00": "\ud800".encode("utf-8", "surrogatepass")}, follow=True
    )
    assert response.status_code == 200
    expected = {
        "cancelled": "Cet événement est annulé",
        "past": "déjà commencé",
        "unregister_not_registered": "pas inscrit·e",
    }[case]
    assert expected in response.content.decode()


def test_bad_month_gets_a_french_message(client, territory):
    client.force_login(territory.hr_agent)
    for value in ("2026-13", "abc", "99999-01", "2026-"):
        response = client.get("/agenda/", {"mois": value})
        assert response.status_code == 400
        assert "Le mois demandé n&#x27;est pas valide" in response.content.decode()
    assert client.get("/agenda/", {"mois": "2026-12"}).status_code == 200


def test_only_the_organiser_cancels(client, territory, publish_event):
    event = publish_event()
    registration_create(event=event, user=territory.hr_agent)
    client.force_login(territory.hr_agent)
    assert client.post(event.url + "annuler/").status_code == 404
    client.force_login(territory.organiser)
    response = client.post(event.url + "annuler/", {"motif": "x" * 501}, follow=True)
    assert "trop long" in response.content.decode()
    response = client.post(event.url + "annuler/", {"motif": "Report"}, follow=True)
    assert "les inscrits sont prévenus" in response.content.decode()
    html = client.get(event.url).content.decode()
    assert "Cet événement est annulé." in html and territory.hr_agent.get_full_name() in html


def test_month_query_count_is_constant(client, territory, publish_event, django_assert_max_num_queries):
    """Session, user, audience keys, the events with my status: the same count for 1 or 12 events."""
    publish_event("Premier")
    client.force_login(territory.hr_agent)
    month = soon().strftime("%Y-%m")
    client.get(f"/agenda/?mois={month}")
    with django_assert_max_num_queries(6) as small:
        assert client.get(f"/agenda/?mois={month}").status_code == 200
    for i in range(11):
        event = publish_event(
            f"Événement {i}", start=soon(days=3, hour=8 + i % 8), departments=[territory.hr]
        )
        if i % 3 == 0:
            registration_create(event=event, user=territory.hr_agent)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(f"/agenda/?mois={month}").content.decode()
    assert html.count("(inscrit·e)") == 4


def test_list_query_count_is_constant(client, territory, publish_event, django_assert_max_num_queries):
    publish_event("Premier")
    client.force_login(territory.hr_agent)
    client.get("/agenda/liste/")
    with django_assert_max_num_queries(6) as small:
        assert client.get("/agenda/liste/").status_code == 200
    for i in range(10):
        publish_event(f"Événement {i}", start=soon(days=2 + i))
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get("/agenda/liste/").content.decode()
    assert html.count('<article class="agenda-event') == 11


def test_event_page_query_count(client, territory, publish_event, make_user, django_assert_max_num_queries):
    """The event page for its organiser (with the registrants' list) stays constant with the registrants."""
    event = publish_event(capacity=2)
    client.force_login(territory.organiser)
    client.get(event.url)
    with django_assert_max_num_queries(20) as small:
        assert client.get(event.url).status_code == 200
    for i in range(6):
        registration_create(
            event=event, user=make_user(f"x{i}"), now=event.start - timedelta(days=1, seconds=-i)
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(event.url).content.decode()
    assert html.count("attente</span>") == 4  # the registrants' list: two places, four waiting
