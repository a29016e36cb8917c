"""One login page: Wagtail's own login views and the Django admin's lead to /connexion/, whose session length
and « remember me » therefore apply to every way in."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

CREDENTIALS = {"username": "marie.dupont", "password": "pw-test-123456"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/_util/login/?next=/actualites/", "/connexion/?next=%2Factualites%2F"),
        ("/cms/login/?next=/cms/", "/connexion/?next=%2Fcms%2F"),
        ("/django-admin/login/?next=/django-admin/", "/connexion/?next=%2Fdjango-admin%2F"),
        ("/_util/login/?next=https://ailleurs.example/", "/connexion/"),
    ],
)
def test_other_login_views_lead_to_the_product_login(client, url, expected):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == expected


@pytest.mark.parametrize("url", ["/_util/login/", "/cms/login/", "/django-admin/login/"])
def test_credentials_posted_to_another_login_view_open_no_session(client, agent, url):
    response = client.post(url, CREDENTIALS)
    assert response.status_code == 302 and response["Location"] == "/connexion/"
    assert "_auth_user_id" not in client.session


def test_admin_login_goes_through_the_product_session_length(client, make_user):
    make_user("redac.cms", superuser=True)
    response = client.get("/cms/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/connexion/")
    response = client.post("/connexion/?next=/cms/", {"username": "redac.cms", "password": "pw-test-123456"})
    assert response.status_code == 302 and response["Location"] == "/cms/"
    assert client.session.get_expire_at_browser_close()  # no « remember me »: ends with the browser
    client.logout()
    client.post(
        "/connexion/?next=/cms/",
        {"username": "redac.cms", "password": "pw-test-123456", "remember_me": "on"},
    )
    assert client.session.get_expiry_age() == settings.REMEMBER_ME_AGE


def test_agent_refused_by_the_django_admin_gets_403_not_a_loop(agent_client):
    response = agent_client.get("/django-admin/", follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) <= 2
