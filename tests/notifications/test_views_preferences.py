"""/compte/notifications/: the agent's choices per kind, French errors on bad input, pinned queries."""

import re

import pytest
from django.urls import reverse

from intranet.notifications.actions import notification_preferences_set
from intranet.notifications.kinds import CONFIGURABLE, DEFAULTS, Delivery, Kind
from intranet.notifications.models import NotificationPreference
from intranet.notifications.preferences import preferences_for

pytestmark = pytest.mark.django_db

URL = "/compte/notifications/"


def _all(delivery):
    return dict.fromkeys(CONFIGURABLE, delivery)


def test_the_route_is_the_one_the_issue_names():
    assert reverse("notification_prefs:edit") == URL


def test_page_shows_every_kind_with_the_current_choice(agent_client, agent, django_assert_num_queries):
    """7 queries whatever is stored: session, user, the agent's stored choices (one), and the base page's
    host organisation, unread badge and two permission lookups (« Administration du contenu » link)."""
    notification_preferences_set(user=agent, choices={Kind.CHAT: Delivery.NONE})
    with django_assert_num_queries(7):
        response = agent_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for kind in CONFIGURABLE:
        assert str(Kind(kind).label) in html or Kind(kind).label.replace("'", "&#x27;") in html
    checked = re.search(r'<input type="radio" name="chat" value="none"[^>]*>', html).group(0)
    assert "checked" in checked
    assert "checked" not in re.search(r'<input type="radio" name="chat" value="digest"[^>]*>', html).group(0)
    assert "<fieldset" in html and "<legend>" in html


def test_the_user_menu_links_to_the_page(agent_client):
    assert f'href="{URL}"' in agent_client.get("/notifications/").content.decode()


def test_saving_stores_every_choice_and_confirms(agent_client, agent):
    data = _all(Delivery.DIGEST) | {Kind.MUST_READ: Delivery.IMMEDIATE, Kind.CHAT: Delivery.NONE}
    response = agent_client.post(URL, data, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Vos préférences de notification sont enregistrées." in response.content.decode()
    assert preferences_for(agent) == {str(k): v for k, v in data.items()}
    # Saving again updates the rows, never duplicates them.
    agent_client.post(URL, _all(Delivery.NONE))
    assert NotificationPreference.objects.filter(user=agent).count() == len(CONFIGURABLE)
    assert set(preferences_for(agent).values()) == {Delivery.NONE}


@pytest.mark.parametrize(
    "bad",
    [{Kind.CHAT: "toujours"}, {Kind.CHAT: ""}, {Kind.DOCUMENTS: "account"}],
    ids=["unknown-choice", "missing", "not-a-delivery"],
)
def test_bad_input_gives_french_errors_and_saves_nothing(agent_client, agent, bad):
    data = _all(Delivery.NONE) | bad
    response = agent_client.post(URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "rien n&#x27;a été enregistré" in html or "rien n'a été enregistré" in html
    assert "Choisissez comment recevoir" in html or "Ce choix n&#x27;existe pas" in html
    assert not NotificationPreference.objects.filter(user=agent).exists()
    # The valid request goes through: the refusal was for the bad field only.
    assert agent_client.post(URL, _all(Delivery.NONE)).status_code == 302


def test_a_signed_out_visitor_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_defaults_show_before_any_choice(agent):
    assert preferences_for(agent) == {k: DEFAULTS[k] for k in CONFIGURABLE}
