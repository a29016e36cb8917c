"""The bridge's start-up reconciliation, retention reaching Element, who may redact from Matrix, and the
report for IT."""

import uuid
from datetime import timedelta

import pytest
import requests
from asgiref.sync import async_to_sync
from django.core.management import CommandError, call_command
from django.utils import timezone

from chat.actions import message_delete, message_post, messages_purge_expired, salon_create
from chat.matrix import MatrixBridge
from chat.models import MatrixAccount, Message, Salon
from chat.outbox import REDACT_EVENTS, matrix_reconcile
from intranet.outbox.models import OutboxItem

from .test_matrix_bridge import _bot_token, _bridge, _drain, _joined_members, _mxid, _observer

pytestmark = pytest.mark.django_db(transaction=True)


def _unique(prefix):
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


def _event(synapse, token, room_id, event_id) -> dict:
    return requests.get(
        f"{synapse.url}/_matrix/client/v3/rooms/{room_id}/event/{event_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()


def test_reconciliation_at_start_aligns_accounts_and_rooms(matrix_on, make_user):
    marie, paul, jeanne = (make_user(_unique(n)) for n in ("marie", "paul", "jeanne"))
    salon = salon_create(name="Réconciliation", creator=marie, members=[paul])
    _drain()
    salon.refresh_from_db()
    room = salon.matrix_room_id
    stranger = _observer(matrix_on, room)  # a Matrix user who is not an agent, invited from Matrix
    _bridge("ensure_account", jeanne)  # an agent's puppet, but not a member of this salon
    _bridge(
        "request",
        "POST",
        f"/_matrix/client/v3/rooms/{room}/invite",
        token=_bot_token(),
        json={"user_id": _mxid(jeanne, matrix_on)},
    )
    # Paul left while the bridge was away (his row was lost: the database only says he is inactive).
    type(paul).objects.filter(pk=paul.pk).update(is_active=False)
    OutboxItem.objects.all().delete()
    report = matrix_reconcile()
    assert report["leavers"] == 1 and report["rooms"] >= 1
    assert (
        matrix_reconcile()["leavers"] == 1
        and OutboxItem.objects.filter(kind="chat.matrix.deactivate").count() == 1
    )
    _drain()
    assert _joined_members(room) == {_mxid(marie, matrix_on), _bot_user()}
    members = _bridge("room_members", room, _bot_token())
    assert _mxid(jeanne, matrix_on) not in members and stranger["user_id"] not in members
    assert MatrixAccount.objects.get(user=paul).deactivated


def _bot_user() -> str:
    async def go():
        async with MatrixBridge() as bridge:
            await bridge.bot_token()
            return bridge.bot_user_id

    return async_to_sync(go)()


def test_purged_and_deleted_messages_are_redacted_on_matrix(matrix_on, make_user):
    marie, paul = make_user(_unique("marie")), make_user(_unique("paul"))
    salon = salon_create(name="Conservation", creator=marie, members=[paul])
    old = message_post(salon=salon, author=marie, text="Vieux message")
    gone = message_post(salon=salon, author=paul, text="Supprimé par son auteur")
    kept = message_post(salon=salon, author=marie, text="Message récent")
    _drain()
    old.refresh_from_db(), gone.refresh_from_db(), kept.refresh_from_db()
    salon.refresh_from_db()
    observer = _observer(matrix_on, salon.matrix_room_id)
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    Salon.objects.filter(pk=salon.pk).update(retention_days=30)
    assert messages_purge_expired() == 1
    message_delete(message=gone, user=paul)
    assert OutboxItem.objects.filter(kind=REDACT_EVENTS, payload__event_ids=[old.matrix_event_id]).exists()
    _drain()
    token = observer["access_token"]
    assert _event(matrix_on, token, salon.matrix_room_id, old.matrix_event_id)["content"] == {}
    assert _event(matrix_on, token, salon.matrix_room_id, gone.matrix_event_id)["content"] == {}
    assert (
        _event(matrix_on, token, salon.matrix_room_id, kept.matrix_event_id)["content"]["body"]
        == "Message récent"
    )


@pytest.fixture
def offline_bridge(settings):
    """Bridge settings without a homeserver: the inbound parsing needs none."""
    settings.MATRIX_HOMESERVER_URL = "http://127.0.0.1:9"
    settings.MATRIX_SERVER_NAME = "intranet.test"
    settings.MATRIX_REGISTRATION_SHARED_SECRET = "x"
    settings.MATRIX_ADMIN_TOKEN = ""


def test_redactions_from_matrix_are_accepted_from_the_author_or_a_moderator_only(offline_bridge, make_user):
    from chat.actions import membership_set_role

    marie, paul, jeanne = make_user("marie.r"), make_user("paul.r"), make_user("jeanne.r")
    salon = salon_create(name="Modération", creator=marie, members=[paul, jeanne])
    membership_set_role(salon=salon, user=marie, actor=marie, role="moderator")
    Salon.objects.filter(pk=salon.pk).update(matrix_room_id="!room:intranet.test")
    for user in (marie, paul, jeanne):
        MatrixAccount.objects.create(user=user, matrix_user_id=f"@{user.username}:intranet.test")
    messages = {}
    for n, author in enumerate([paul, paul, jeanne]):
        m = message_post(salon=salon, author=author, text=f"Message {n}")
        Message.objects.filter(pk=m.pk).update(matrix_event_id=f"$event{n}")
        messages[n] = m

    def redaction(sender, target):
        return {
            "type": "m.room.redaction",
            "sender": f"@{sender.username}:intranet.test",
            "event_id": f"$r{uuid.uuid4().hex}",
            "redacts": target,
            "content": {},
        }

    async def store(events):
        async with MatrixBridge() as bridge:
            bridge.bot_user_id = "@intranet-bot:intranet.test"
            from asgiref.sync import sync_to_async

            await sync_to_async(bridge._store_events)("!room:intranet.test", events)

    async_to_sync(store)(
        [
            redaction(jeanne, "$event0"),  # a member, not the author: refused
            redaction(paul, "$event1"),  # the author
            redaction(marie, "$event2"),  # a moderator
        ]
    )
    deleted = dict(Message.objects.filter(salon=salon).values_list("matrix_event_id", "deleted_at"))
    assert deleted["$event0"] is None
    assert deleted["$event1"] is not None and deleted["$event2"] is not None


def test_report_lists_waiting_and_failing_operations(offline_bridge, make_user, capsys):
    marie = make_user("marie.rep")
    salon = salon_create(name="Rapport", creator=marie, members=[])
    message_post(salon=salon, author=marie, text="En attente")
    call_command("matrix_bridge", "--report")
    out = capsys.readouterr().out
    assert "Matrix : messages du salon à envoyer : 1 en attente dont 0 en échec" in out
    _drain()  # nothing listens there: the rows fail and say why
    with pytest.raises(CommandError, match="2 opération"):
        call_command("matrix_bridge", "--report")
    out = capsys.readouterr().out
    assert "2 en attente" not in out and "ConnectError" in out and "tentative(s)" in out
    with pytest.raises(CommandError, match="Synapse injoignable"):
        call_command("matrix_bridge", "--once")
