"""Reading follow-up of a must-read: the rate and who is missing, computed from the current audience, for
the page's author, superusers and communication managers only."""

import pytest

from intranet.news.actions import acknowledgement_record
from intranet.news.queries import readers_summary

pytestmark = pytest.mark.django_db


def test_rate_and_missing_come_from_the_audience(portal, publish, make_user):
    page = publish("Charte", must_read=True, organisations=[portal.bailleul])
    colleague = make_user("bailleul.deux", employer=portal.bailleul)
    make_user("bailleul.parti", employer=portal.bailleul, is_active=False)
    acknowledgement_record(page=page, user=portal.bailleul_agent)
    acknowledgement_record(page=page, user=portal.cassel_agent)  # outside the audience: not counted
    summary = readers_summary(page, with_missing=True)
    assert (summary.total, summary.acknowledged, summary.rate) == (2, 1, 50)
    assert summary.missing == [colleague]


@pytest.mark.parametrize("who", ["editor", "manager", "superuser"])
def test_author_managers_and_superusers_see_readers(client, portal, publish, make_user, who):
    page = publish("Charte", must_read=True, organisations=[portal.bailleul], owner=portal.editor)
    user = make_user("it", superuser=True) if who == "superuser" else getattr(portal, who)
    client.force_login(user)
    html = client.get(page.url + "lectures/").content.decode()
    assert "0 % des destinataires" in html and "Amandine Cordier" in html
    html = client.get(page.url).content.decode()
    assert "Taux de lecture : 0 % (0 sur 1 destinataires)." in html


def test_agents_do_not_see_readers(client, portal, publish):
    page = publish("Charte", must_read=True)
    client.force_login(portal.bailleul_agent)
    assert client.get(page.url + "lectures/").status_code == 404
    assert "Taux de lecture" not in client.get(page.url).content.decode()
    client.force_login(portal.manager)
    assert client.get(page.url + "lectures/").status_code == 200
