"""notify(): rows for active recipients, safe links, e-mail on demand, read state per agent."""

import pytest
from django.core import mail
from django.urls import reverse

from intranet.notifications.actions import notification_mark_all_read, notify
from intranet.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_notify_skips_inactive_and_duplicate_recipients(agent, make_user):
    gone = make_user("ancien.agent", is_active=False)
    created = notify(
        recipients=[agent, agent.pk, gone], verb="booking_approved", text="Réservation validée", url="/"
    )
    assert len(created) == 1
    assert Notification.objects.get().recipient == agent


@pytest.mark.parametrize("url", ["https://exemple.com/piege", "//exemple.com/piege", "javascript:alert(1)"])
def test_notify_drops_links_leaving_the_intranet(agent, url):
    notify(recipients=[agent], verb="x", text="Lien", url=url)
    assert Notification.objects.get().url == ""


def test_notify_sends_email_only_when_asked(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[agent], verb="x", text="Sans courriel", url="/")
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[agent],
            verb="x",
            text="Votre demande de salle attend votre validation",
            url="/salles/",
            email=True,
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [agent.email] and "attend votre validation" in message.subject
    assert "http://127.0.0.1:8000/salles/" in message.body
    assert Notification.objects.filter(emailed=True).count() == 1


def test_mark_all_read_touches_only_my_notifications(agent, make_user):
    other = make_user()
    notify(recipients=[agent, other], verb="x", text="Pour tous", url="/")
    assert notification_mark_all_read(user=agent) == 1
    assert Notification.objects.unread().get().recipient == other


def test_marking_someone_elses_notification_is_404(agent_client, make_user):
    other = make_user()
    (theirs,) = notify(recipients=[other], verb="x", text="Privé", url="/")
    assert agent_client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert agent_client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert agent_client.post(reverse("notifications:read", args=[999999])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notification_marks_it_read_and_follows_its_link(agent_client, agent):
    (mine,) = notify(recipients=[agent], verb="x", text="Document partagé", url="/notifications/?page=1")
    response = agent_client.get(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/notifications/?page=1"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_mark_read_with_htmx_returns_the_item(agent_client, agent):
    (mine,) = notify(recipients=[agent], verb="x", text="Document partagé", url="/")
    response = agent_client.post(reverse("notifications:read", args=[mine.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="notif-{mine.pk}"' in response.content.decode() and "is-read" in response.content.decode()


def test_notification_list_query_count_is_constant(agent_client, agent, host_org, django_assert_num_queries):
    """5 queries whatever the number of rows: session, user, page count, page rows, unread badge (the host
    name and the admin-link permission are cached, see context_processors)."""
    notify(recipients=[agent], verb="x", text="Une", url="/")
    agent_client.get(reverse("notifications:list"))  # warm the per-process caches (content types, site)
    with django_assert_num_queries(5):
        response = agent_client.get(reverse("notifications:list"))
    assert response.status_code == 200
    for i in range(30):
        notify(recipients=[agent], verb="x", text=f"Notification {i}", url="/")
    with django_assert_num_queries(5):
        response = agent_client.get(reverse("notifications:list"))
    assert response.context["page"].paginator.count == 31
    assert "Page 1 sur 2" in response.content.decode()


def test_header_badge_shows_unread_count(agent_client, agent):
    notify(recipients=[agent], verb="x", text="Une", url="/")
    notify(recipients=[agent], verb="x", text="Deux", url="/")
    page = agent_client.get(reverse("notifications:list")).content.decode()
    assert 'data-count="2"' in page


def test_notify_survives_a_channel_layer_outage(agent, settings, django_capture_on_commit_callbacks):
    """Redis down: the notification is still saved and the caller gets no error."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    channel_layers.backends.clear()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notify(recipients=[agent], verb="x", text="Malgré la panne", url="/")
    finally:
        channel_layers.backends.clear()
    assert Notification.objects.get().text == "Malgré la panne"
