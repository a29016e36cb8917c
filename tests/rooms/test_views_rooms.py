"""Pages: reachable, query counts pinned, the same rules as the actions, 404 for forbidden and missing."""

import pytest
from django.urls import reverse

from rooms.actions import booking_request
from rooms.choices import BookingStatus
from rooms.models import Booking

from .conftest import slot, working_day


@pytest.fixture
def agent_in(client, world):
    client.force_login(world.agent)
    return client


@pytest.fixture
def busy(world):
    day = working_day()
    rows = []
    for h in range(8, 18):
        s, e = slot(day, f"{h:02}:00", f"{h + 1:02}:00")
        rows.append(
            booking_request(room=world.small, requester=world.other, title=f"Occ {h}", start=s, end=e)
        )
        rows.append(
            booking_request(room=world.approval, requester=world.agent, title=f"Mine {h}", start=s, end=e)
        )
    return day, rows


@pytest.mark.parametrize(
    ("name", "queries"),
    [
        # session + user, rooms, equipment prefetch, sites, nav/notification context (unread count, host)
        ("index", None),
        ("finder", None),
        ("mine", None),
        ("approvals", None),
        ("feeds", None),
    ],
)
def test_pages_answer(agent_in, busy, name, queries):
    assert agent_in.get(reverse(f"rooms:{name}")).status_code == 200


def _count(client, url, django_assert_max_num_queries, n):
    with django_assert_max_num_queries(n):
        response = client.get(url)
    assert response.status_code == 200
    return response


def test_query_counts_do_not_grow_with_bookings(agent_in, world, busy, django_assert_num_queries):
    """Each listing pins its count; adding bookings and rooms does not change it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    day, _rows = busy
    urls = [
        reverse("rooms:index"),
        reverse("rooms:room", args=[world.small.pk]) + f"?semaine={day:%Y-%m-%d}",
        reverse("rooms:site", args=[world.siege.slug]) + f"?jour={day:%Y-%m-%d}",
        reverse("rooms:finder")
        + f"?date={day:%Y-%m-%d}&start_time=10:00&end_time=11:00&capacity=2&equipment=videoprojecteur",
        reverse("rooms:mine"),
        reverse("rooms:approvals"),
    ]

    def counts():
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert agent_in.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    counts()  # warm caches (host name, session)
    before = counts()
    for h in range(8, 18):
        s, e = slot(working_day(14), f"{h:02}:00", f"{h + 1:02}:00")
        booking_request(room=world.small, requester=world.agent, title=f"More {h}", start=s, end=e)
        booking_request(room=world.medium, requester=world.other, title=f"More {h}", start=s, end=e)
    assert counts() == before
    assert max(before) <= 12, before


def test_day_view_shows_text_not_colour_and_hides_others_titles(agent_in, world, busy):
    day, _rows = busy
    html = agent_in.get(
        reverse("rooms:site", args=[world.siege.slug]) + f"?jour={day:%Y-%m-%d}"
    ).content.decode()
    assert "Occupé" in html and "Libre" in html and "Occ 10" not in html and "Mine 10" in html
    assert '<th scope="row">' in html


def test_htmx_week_navigation_returns_the_fragment(agent_in, world):
    r = agent_in.get(reverse("rooms:room", args=[world.small.pk]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b"<html" not in r.content and b"Semaine" in r.content


def test_finder_results_show_site_capacity_equipment_and_approval(agent_in, world, busy):
    """The finder lists rows read in one query (no model instances): each card still shows its site,
    capacity, equipment in name order, approval and the booking link for the window."""
    day, _rows = busy
    url = reverse("rooms:finder") + f"?date={day:%Y-%m-%d}&start_time=10:00&end_time=11:00&capacity=2"
    html = agent_in.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "2 salles libres" in html and "Petite salle" not in html and "Salle du conseil" not in html
    assert "Siège · 12 places · Vidéoprojecteur, Visioconférence</p>" in html
    assert "Hôtel Sockeel · 40 places · Vidéoprojecteur</p>" in html
    book = reverse("rooms:book", args=[world.medium.pk])
    assert f"{book}?date={day:%Y-%m-%d}&amp;start_time=10:00&amp;end_time=11:00&amp;attendees=2" in html
    world.approval.bookings.all().delete()
    html = agent_in.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "30 places · Vidéoprojecteur · soumise à validation</p>" in html


def test_book_conflict_answers_409_in_french_with_alternatives(agent_in, world, busy):
    day, _rows = busy
    data = {
        "title": "Point",
        "date": f"{day:%Y-%m-%d}",
        "start_time": "10:00",
        "end_time": "11:00",
        "attendees": 2,
    }
    r = agent_in.post(reverse("rooms:book", args=[world.small.pk]), data)
    assert r.status_code == 409
    html = r.content.decode()
    assert "déjà réservée" in html and "Salle moyenne" in html
    r = agent_in.post(reverse("rooms:book", args=[world.medium.pk]), data)
    assert r.status_code == 302 and Booking.objects.filter(room=world.medium, title="Point").exists()


def test_series_preview_then_confirm(agent_in, world, busy):
    day, _rows = busy
    data = {
        "title": "Hebdo",
        "date": f"{day:%Y-%m-%d}",
        "start_time": "10:00",
        "end_time": "11:00",
        "attendees": 2,
        "repeat": "weekly",
        "interval": 1,
        "count": 3,
    }
    r = agent_in.post(reverse("rooms:book", args=[world.small.pk]), data)
    assert r.status_code == 200 and "Déjà réservée".encode() in r.content
    assert Booking.objects.filter(title="Hebdo").count() == 0
    data.update(confirm="1", **{f"room-{day:%Y-%m-%d}": str(world.medium.pk)})
    r = agent_in.post(reverse("rooms:book", args=[world.small.pk]), data)
    assert r.status_code == 302
    assert sorted(Booking.objects.filter(title="Hebdo").values_list("room__slug", flat=True)) == [
        "moyenne",
        "petite",
        "petite",
    ]


def test_hostile_series_form_is_refused_in_french(agent_in, world):
    data = {
        "title": "x",
        "date": f"{working_day():%Y-%m-%d}",
        "start_time": "10:00",
        "end_time": "11:00",
        "attendees": 2,
        "repeat": "daily",
        "interval": 1,
    }
    r = agent_in.post(reverse("rooms:book", args=[world.small.pk]), data)
    assert r.status_code == 400 and b"doit avoir une fin" in r.content
    data["count"] = 1000000000
    r = agent_in.post(reverse("rooms:book", args=[world.small.pk]), data)
    assert r.status_code == 400


def test_approvals_page_batch_approve_and_non_manager_404(client, world, busy):
    _day, rows = busy
    pending = [b for b in rows if b.status == BookingStatus.PENDING][:3]
    client.force_login(world.other)
    assert client.post(reverse("rooms:booking_approve", args=[pending[0].pk])).status_code == 404
    assert client.get(reverse("rooms:booking", args=[pending[0].pk])).status_code == 404
    assert client.post(reverse("rooms:approvals"), {"booking": [pending[0].pk]}).status_code == 404
    client.force_login(world.manager)
    page = client.get(reverse("rooms:approvals")).content.decode()
    assert "Mine 10" in page
    r = client.post(reverse("rooms:approvals"), {"booking": [b.pk for b in pending]})
    assert r.status_code == 302
    assert set(Booking.objects.filter(pk__in=[b.pk for b in pending]).values_list("status", flat=True)) == {
        "approved"
    }


def test_requester_sees_but_cannot_decide(agent_in, world, busy):
    _day, rows = busy
    mine = next(b for b in rows if b.requester_id == world.agent.pk)
    r = agent_in.get(reverse("rooms:booking", args=[mine.pk]))
    assert r.status_code == 200 and b"Valider la demande" not in r.content and b"Annuler la r" in r.content
    assert agent_in.post(reverse("rooms:booking_approve", args=[mine.pk])).status_code == 404
    assert agent_in.post(reverse("rooms:booking_cancel", args=[mine.pk])).status_code == 302
    assert Booking.objects.get(pk=mine.pk).status == BookingStatus.CANCELLED
    assert agent_in.get(reverse("rooms:booking", args=[999999])).status_code == 404


def test_dashboard_panels_and_search(client, world, busy):
    from intranet.news.actions import home_page_ensure
    from intranet.registry import search_sources

    home_page_ensure()
    client.force_login(world.manager)
    home = client.get("/")
    assert home.status_code == 200
    html = home.content.decode()
    assert "Validations en attente" in html and "Mes prochaines réservations" in html
    source = next(s for s in search_sources() if s.key == "rooms")
    hits, total = source.search(world.agent, "conseil", 5)
    assert total == 1 and hits[0].title == "Salle du conseil"
    hits, total = source.search(world.agent, "visioconférence", 5)
    assert [h.title for h in hits] == ["Salle moyenne"]
