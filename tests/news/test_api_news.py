"""/api/v1/news: the agent's feed holds only what is addressed to them; acknowledging twice is once."""

import pytest

from intranet.news.models import Acknowledgement

pytestmark = pytest.mark.django_db


def test_feed_is_filtered_by_audience(client, portal, publish):
    publish("Pour Bailleul", organisations=[portal.bailleul])
    publish("Pour tous", must_read=True)
    client.force_login(portal.cassel_agent)
    items = client.get("/api/v1/news").json()["items"]
    assert [i["title"] for i in items] == ["Pour tous"]
    assert items[0]["must_read"] and not items[0]["acknowledged"]
    client.force_login(portal.bailleul_agent)
    assert {i["title"] for i in client.get("/api/v1/news").json()["items"]} == {"Pour Bailleul", "Pour tous"}


def test_acknowledge_through_the_api(client, portal, publish):
    page = publish("Charte", must_read=True)
    hidden = publish("Pour Bailleul", must_read=True, organisations=[portal.bailleul])
    client.force_login(portal.cassel_agent)
    url = f"/api/v1/news/{page.pk}/acknowledge"
    assert client.post(url).json()["created"] is True
    assert client.post(url).json()["created"] is False
    assert Acknowledgement.objects.count() == 1
    assert client.post(f"/api/v1/news/{hidden.pk}/acknowledge").status_code == 404
    items = client.get("/api/v1/news", {"unread": "true"}).json()["items"]
    assert items == []
