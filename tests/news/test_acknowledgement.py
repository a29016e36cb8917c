"""« J'ai lu »: one acknowledgement per agent and must-read, whatever the number of clicks; only inside the
audience; htmx gets a fragment, a plain form goes back where it came from."""

import pytest

from intranet.news.actions import acknowledgement_record
from intranet.news.models import Acknowledgement

pytestmark = pytest.mark.django_db


def test_acknowledging_twice_is_once(client, portal, publish):
    page = publish("Charte informatique", must_read=True)
    client.force_login(portal.cassel_agent)
    first = client.post(page.url + "lu/", {"next": "/"})
    second = client.post(page.url + "lu/", {"next": "/"})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == "/"
    assert Acknowledgement.objects.filter(page=page, user=portal.cassel_agent).count() == 1
    ack, created = acknowledgement_record(page=page, user=portal.cassel_agent)
    assert not created and ack.user == portal.cassel_agent


def test_htmx_gets_the_confirmation_fragment(client, portal, publish):
    page = publish("Charte informatique", must_read=True)
    client.force_login(portal.cassel_agent)
    response = client.post(page.url + "lu/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Lecture de « Charte informatique » confirmée" in html


def test_external_next_is_ignored(client, portal, publish):
    page = publish("Charte informatique", must_read=True)
    client.force_login(portal.cassel_agent)
    response = client.post(page.url + "lu/", {"next": "https://evil.example/"})
    assert response["Location"] == page.url


def test_outside_audience_or_not_must_read_is_404(client, portal, publish):
    for_bailleul = publish("Pour Bailleul", must_read=True, organisations=[portal.bailleul])
    not_must_read = publish("Simple nouvelle")
    client.force_login(portal.cassel_agent)
    assert client.post(for_bailleul.url + "lu/").status_code == 404
    assert client.post(not_must_read.url + "lu/").status_code == 404
    assert not Acknowledgement.objects.exists()
    client.force_login(portal.bailleul_agent)
    assert client.post(for_bailleul.url + "lu/").status_code == 302
    assert Acknowledgement.objects.count() == 1


def test_get_is_not_allowed(client, portal, publish):
    page = publish("Charte informatique", must_read=True)
    client.force_login(portal.cassel_agent)
    assert client.get(page.url + "lu/").status_code == 405
    assert not Acknowledgement.objects.exists()


def test_detail_shows_confirmation_after_acknowledging(client, portal, publish):
    page = publish("Charte informatique", must_read=True)
    client.force_login(portal.cassel_agent)
    client.post(page.url + "lu/")
    html = client.get(page.url).content.decode()
    assert "confirmée le" in html and "J'ai lu</button>" not in html
