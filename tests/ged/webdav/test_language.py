"""The DAV endpoint answers in French unless the client asks for a language the intranet has, whatever
language the serving thread used before (threads are shared between requests and, in tests, with pages)."""

from django.utils import translation


def test_messages_are_french_by_default_even_after_the_thread_served_english(wsgi_dav, make_user):
    dav = wsgi_dav(make_user("agent"))
    translation.activate("en")  # what a previous English request left in this thread
    try:
        response = dav.request("GET", "/ailleurs")
    finally:
        translation.deactivate()
    assert response.status_code == 404
    assert "Le lecteur réseau est à l'adresse /dav/." in response.text


def test_a_client_asking_for_english_gets_english(wsgi_dav, make_user):
    dav = wsgi_dav(make_user("agent"))
    response = dav.request("GET", "/ailleurs", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert "The network drive is at /dav/." in response.text
    response = dav.request("GET", "/ailleurs", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert "Le lecteur réseau est à l'adresse /dav/." in response.text
    assert translation.get_language() != "en"  # nothing left behind in the thread
