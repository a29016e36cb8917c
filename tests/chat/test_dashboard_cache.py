"""« Mes salons » on a warm home page (every fragment cached, intranet/dashboard.py): a message, a read, a new
salon or a renamed one shows on the very next page."""

import pytest

from chat.actions import membership_mark_read, message_post, salon_create, salon_update
from chat.models import Membership
from intranet.news.actions import home_page_ensure


@pytest.fixture
def home(db, client):
    home_page_ensure()
    logged_in = {}

    def get(user):
        if logged_in.get("user") != user.pk:
            client.force_login(user)
            logged_in["user"] = user.pk
        response = client.get("/")
        assert response.status_code == 200
        return response.content.decode().split('id="panel-chat"')[1].split("</section>")[0]

    return get


def test_a_message_then_its_reading_change_the_unread_count(home, agent, colleague, project_salon):
    assert "non lu" not in home(colleague)
    message_post(salon=project_salon, author=agent, text="Bonjour à tous")
    assert "1 non lu" in home(colleague)
    membership = Membership.objects.get(salon=project_salon, user=colleague)
    membership_mark_read(membership=membership)
    assert "non lu" not in home(colleague)


def test_a_new_salon_and_a_new_name_show_at_once(home, agent, colleague, project_salon):
    assert ">Projet PLUi<" in home(colleague)
    salon_create(name="Voirie 2027", creator=agent, members=[colleague])
    assert ">Voirie 2027<" in home(colleague)
    salon_update(salon=project_salon, actor=agent, name="Projet PLUi (phase 2)")
    assert ">Projet PLUi (phase 2)<" in home(colleague)
