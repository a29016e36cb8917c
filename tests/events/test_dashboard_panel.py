"""The home page's « Mes prochains événements »: my registrations first, refreshed when I register (topic
« events »), and the home page stays within its query budget."""

from events.actions import registration_create
from intranet import dashboard
from intranet.news.actions import news_index_ensure


def test_panel_shows_my_next_events_and_follows_registrations(client, territory, publish_event):
    news_index_ensure()
    event = publish_event("Atelier GED")
    client.force_login(territory.hr_agent)
    html = client.get("/").content.decode()
    assert "Mes prochains événements" in html and "Atelier GED" in html and "inscrit·e" not in html
    registration_create(event=event, user=territory.hr_agent)
    html = client.get("/").content.decode()
    assert "Atelier GED" in html and "· inscrit·e" in html


def test_panel_hidden_without_events(client, territory):
    news_index_ensure()
    client.force_login(territory.cassel_agent)
    assert "Mes prochains événements" not in client.get("/").content.decode()


def test_home_page_stays_within_budget_with_the_panel(
    client, territory, publish_event, django_assert_max_num_queries
):
    news_index_ensure()
    for i in range(6):
        event = publish_event(f"Événement {i}")
        registration_create(event=event, user=territory.hr_agent)
    client.force_login(territory.hr_agent)
    client.get("/")
    dashboard.bump(dashboard.PERMISSIONS, dashboard.PAGES)
    with django_assert_max_num_queries(15):
        assert client.get("/").status_code == 200
