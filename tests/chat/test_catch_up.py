"""No missed message: forward paging (queries, API, page) and the socket's catch-up after a reconnect, edits
and deletions included; unread counts that cost what is unread (capped, query count pinned)."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from chat.actions import message_delete, message_edit, message_post
from chat.queries import catch_up, history_page, salon_list


def _post(salon, author, n, prefix="Message"):
    return [message_post(salon=salon, author=author, text=f"{prefix} {i}") for i in range(n)]


def test_history_pages_forward_as_well_as_backward(settings, project_salon, agent, colleague):
    settings.CHAT_PAGE_SIZE = 3
    ids = [m.pk for m in _post(project_salon, colleague, 7)]
    latest = history_page(project_salon)
    assert [m.pk for m in latest.messages] == ids[-3:] and latest.has_older and not latest.has_newer
    older = history_page(project_salon, before=latest.oldest_id)
    assert [m.pk for m in older.messages] == ids[1:4] and older.has_older and older.has_newer
    forward = history_page(project_salon, after=ids[0])
    assert [m.pk for m in forward.messages] == ids[1:4] and forward.has_older and forward.has_newer
    last = history_page(project_salon, after=forward.newest_id)
    assert [m.pk for m in last.messages] == ids[4:7] and not last.has_newer


def test_catch_up_sends_new_messages_in_batches_and_changes_since_the_cursor(
    settings, project_salon, agent, colleague
):
    settings.CHAT_PAGE_SIZE = 2
    settings.CHAT_RESUME_OVERLAP = 0
    seen = _post(project_salon, colleague, 3, "Vu")
    cursor = timezone.now()
    message_edit(message=seen[1], user=colleague, text="Vu, corrigé")
    message_delete(message=seen[2], user=colleague)
    missed = _post(project_salon, colleague, 3, "Manqué")

    first = catch_up(project_salon, after=seen[-1].pk, since=cursor, oldest=seen[0].pk)
    assert [m.text for m in first.messages] == ["Manqué 0", "Manqué 1"] and first.more
    assert [(m.pk, m.text, m.deleted_at is not None) for m in first.changes] == [
        (seen[1].pk, "Vu, corrigé", False),
        (seen[2].pk, seen[2].text, True),
    ]
    second = catch_up(project_salon, after=first.messages[-1].pk, since=first.cursor)
    assert [m.pk for m in second.messages] == [missed[2].pk] and not second.more and not second.changes
    # More changes than one batch: the page reloads rather than paging them.
    assert catch_up(project_salon, after=missed[-1].pk, since=cursor - timedelta(hours=1)).reload


def test_api_pages_forward_with_after(client, agent, colleague, project_salon, settings):
    from intranet.people.actions import api_token_create

    settings.CHAT_PAGE_SIZE = 2
    ids = [m.pk for m in _post(project_salon, colleague, 3)]
    _token, secret = api_token_create(user=agent, name="script")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    url = f"/api/v1/chat/salons/{project_salon.pk}/messages"
    page = client.get(url, {"after": ids[0]}, **headers).json()
    assert [m["id"] for m in page["messages"]] == ids[1:] and not page["has_newer"] and page["has_older"]
    both = client.get(url, {"after": ids[0], "before": ids[2]}, **headers)
    assert both.status_code == 400 and "pas les deux" in both.json()["detail"]
    assert client.get(url, {"after": "9" * 30}, **headers).status_code == 400


def test_history_page_reads_forward_without_javascript(client, agent, colleague, project_salon, settings):
    settings.CHAT_PAGE_SIZE = 2
    ids = [m.pk for m in _post(project_salon, colleague, 5)]
    client.force_login(agent)
    page = client.get(f"/discussions/{project_salon.pk}/", {"apres": ids[0]}).content.decode()
    assert f'id="m-{ids[1]}"' in page and f'id="m-{ids[3]}"' not in page
    assert f"?apres={ids[2]}" in page  # « Messages suivants »
    assert client.get(f"/discussions/{project_salon.pk}/", {"apres": "abc"}).status_code == 400


def test_unread_counts_stop_at_the_cap_in_one_query(
    settings, agent, colleague, project_salon, django_assert_num_queries
):
    from chat.actions import salon_create

    settings.CHAT_UNREAD_MAX = 4
    _post(project_salon, colleague, 6)
    other = salon_create(name="Covoiturage", creator=colleague, members=[agent])
    message_post(salon=other, author=agent, text="Le mien ne compte pas")
    _post(other, colleague, 2)
    # One query whatever the number of salons and messages (a second one only fetches direct partners).
    with django_assert_num_queries(1):
        rows = {r.salon.name: r for r in salon_list(agent)}
    assert (rows["Projet PLUi"].unread, rows["Projet PLUi"].unread_more) == (4, True)
    # The agent's own message is not unread for her.
    assert (rows["Covoiturage"].unread, rows["Covoiturage"].unread_more) == (2, False)


pytestmark_socket = pytest.mark.django_db(transaction=True)


@pytestmark_socket
async def test_reconnected_socket_receives_what_it_missed_edits_and_deletions_included(
    live_layer, settings, make_user
):
    from chat.actions import salon_create

    from .test_consumers import _connected

    settings.CHAT_PAGE_SIZE = 2
    settings.CHAT_RESUME_OVERLAP = 0
    marie = await sync_to_async(make_user)("marie.dupont", first_name="Marie", last_name="Dupont")
    paul = await sync_to_async(make_user)("paul.dewitte", first_name="Paul", last_name="Dewitte")
    salon = await sync_to_async(salon_create)(name="Projet PLUi", creator=marie, members=[paul])
    seen = await sync_to_async(_post)(salon, marie, 2, "Vu")
    cursor = timezone.now().isoformat()
    # Paul's laptop sleeps: edits, a deletion and three new messages happen meanwhile.
    await sync_to_async(message_edit)(message=seen[0], user=marie, text="Vu, modifié")
    await sync_to_async(message_delete)(message=seen[1], user=marie)
    missed = await sync_to_async(_post)(salon, marie, 3, "Manqué")

    socket = await _connected(paul, salon)
    await socket.send_json_to({"type": "resume", "after": seen[-1].pk, "since": cursor, "oldest": seen[0].pk})
    batch = await socket.receive_json_from(timeout=5)
    assert batch["type"] == "resume" and batch["more"] and not batch["reload"]
    assert [m["text"] for m in batch["messages"]] == ["Manqué 0", "Manqué 1"]
    assert [(m["type"], m["id"]) for m in batch["changes"]] == [("edit", seen[0].pk), ("delete", seen[1].pk)]
    assert batch["changes"][0]["text"] == "Vu, modifié" and batch["changes"][1]["html"] == ""
    await socket.send_json_to(
        {"type": "resume", "after": batch["messages"][-1]["id"], "since": batch["since"]}
    )
    rest = await socket.receive_json_from(timeout=5)
    assert [m["id"] for m in rest["messages"]] == [missed[2].pk] and not rest["more"] and not rest["changes"]
    # Nonsense is read as « I have nothing »: the first batch, never an error.
    await socket.send_json_to({"type": "resume", "after": "9" * 40, "since": "hier"})
    fresh = await socket.receive_json_from(timeout=5)
    assert fresh["type"] == "resume" and [m["id"] for m in fresh["messages"]] == [seen[0].pk, seen[1].pk]
    await socket.disconnect(timeout=5)


@pytestmark_socket
async def test_a_removal_between_the_check_and_the_join_is_not_missed(live_layer, make_user, monkeypatch):
    """The membership is checked again once the socket is in the fan-out: a removal committed in between
    (its revoke sent before the socket could receive it) still closes the socket."""
    from channels.testing import WebsocketCommunicator

    from chat.actions import membership_remove, salon_create
    from intranet.asgi import application
    from intranet.fanout import Fanout

    from .test_consumers import _login

    marie = await sync_to_async(make_user)("marie.dupont", first_name="Marie", last_name="Dupont")
    paul = await sync_to_async(make_user)("paul.dewitte", first_name="Paul", last_name="Dewitte")
    salon = await sync_to_async(salon_create)(name="Projet PLUi", creator=marie, members=[paul])
    real_join = Fanout.join

    async def join_after_removal(self, group, consumer):
        # The removal (and its revoke) lands just before this socket joins the fan-out.
        await sync_to_async(membership_remove)(salon=salon, user=paul, actor=marie)
        await real_join(self, group, consumer)

    monkeypatch.setattr(Fanout, "join", join_after_removal)
    client = await _login(paul)
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    connected, code = await WebsocketCommunicator(
        application, f"/ws/chat/{salon.pk}/", headers=headers
    ).connect()
    assert not connected and code == 4403


@pytestmark_socket
async def test_a_late_beat_makes_the_pages_catch_up(live_layer, settings, make_user):
    """When live delivery may have had a gap (here the worker's loop stalls past two beats, as it would
    while Redis is unreachable), every open page is told to catch up."""
    import time

    from chat.actions import salon_create

    from .test_consumers import _connected

    settings.CHAT_FANOUT_BEAT = 0.3
    marie = await sync_to_async(make_user)("marie.dupont", first_name="Marie", last_name="Dupont")
    salon = await sync_to_async(salon_create)(name="Projet PLUi", creator=marie)
    socket = await _connected(marie, salon)
    time.sleep(1.5)  # the loop stalls: beats arrive late
    assert (await socket.receive_json_from(timeout=5)) == {"type": "resync"}
    await socket.disconnect(timeout=5)


@pytestmark_socket
async def test_a_lost_beat_makes_the_pages_catch_up(live_layer, settings, make_user):
    """Beats are numbered: one that never came back (published while the subscriber connection was down)
    means events published meanwhile were lost too, even when the next beat arrives on time."""
    from chat.actions import salon_create
    from intranet.fanout import fanout

    from .test_consumers import _connected

    settings.CHAT_FANOUT_BEAT = 60  # no beat of its own during the test
    marie = await sync_to_async(make_user)("marie.dupont", first_name="Marie", last_name="Dupont")
    salon = await sync_to_async(salon_create)(name="Projet PLUi", creator=marie)
    socket = await _connected(marie, salon)
    listener = fanout()
    listener._beat_received(1)
    listener._beat_received(2)
    assert await socket.receive_nothing(timeout=0.3)
    listener._beat_received(4)  # beat 3 was lost
    assert (await socket.receive_json_from(timeout=5)) == {"type": "resync"}
    await socket.disconnect(timeout=5)
