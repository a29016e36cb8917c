"""iCal of one event and the signed feeds: content, audience, and a bad token answered 404."""

from events.actions import event_cancel, feed_key_renew, registration_create
from events.feeds import feed_token

from .conftest import soon


def test_event_ical_content(client, territory, publish_event):
    event = publish_event("Petit-déjeuner", place="Salle du conseil", online_url="https://visio.example/x")
    client.force_login(territory.hr_agent)
    response = client.get(event.url + "ical/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode().replace("\r\n ", "")
    assert "BEGIN:VEVENT" in body and "SUMMARY:Petit-déjeuner" in body
    assert f"UID:event-{event.pk}@" in body
    assert "DTSTART;TZID=Europe/Paris:" + soon().strftime("%Y%m%dT%H%M%S") in body
    assert "LOCATION:Salle du conseil" in body and "STATUS:CONFIRMED" in body
    assert "https://visio.example/x" in body
    event_cancel(event=event, by=territory.organiser)
    assert "STATUS:CANCELLED" in client.get(event.url + "ical/").content.decode()


def test_signed_feed_lists_what_the_agent_may_see(client, territory, publish_event):
    everyone = publish_event("Pour tous")
    publish_event("Pour Cassel", organisations=[territory.cassel])
    publish_event("Pour la RH", departments=[territory.resources])
    registration_create(event=everyone, user=territory.hr_agent)
    token = feed_token(feed_key_renew(user=territory.hr_agent))
    client.logout()  # calendar software has no session
    body = client.get(f"/agenda/flux/{token}/tous.ics").content.decode()
    assert "Pour tous" in body and "Pour la RH" in body and "Pour Cassel" not in body
    mine = client.get(f"/agenda/flux/{token}/mes-inscriptions.ics").content.decode()
    assert "Pour tous" in mine and "Pour la RH" not in mine


def test_signed_feed_bad_token_is_a_404(client, territory, publish_event):
    """A forged token, a tampered one, an old key's, a wrong feed name: 404; the good one (control) works."""
    publish_event("Pour tous")
    old = feed_token(feed_key_renew(user=territory.hr_agent))
    good = feed_token(feed_key_renew(user=territory.hr_agent))
    client.logout()
    for token, which in (
        ("garbage", "tous"),
        (good[:-2] + ("AA" if not good.endswith("AA") else "BB"), "tous"),
        (old, "tous"),
        (good, "autre"),
        ("x" * 400, "tous"),
    ):
        assert client.get(f"/agenda/flux/{token}/{which}.ics").status_code == 404, token
    assert client.get(f"/agenda/flux/{good}/tous.ics").status_code == 200
    territory.hr_agent.is_active = False
    territory.hr_agent.save()
    assert client.get(f"/agenda/flux/{good}/tous.ics").status_code == 404


def test_subscribe_page_gives_the_addresses(client, territory):
    client.force_login(territory.hr_agent)
    assert "/agenda/flux/" not in client.get("/agenda/abonnement/").content.decode()
    html = client.post("/agenda/abonnement/", follow=True).content.decode()
    assert html.count("/agenda/flux/") == 2
