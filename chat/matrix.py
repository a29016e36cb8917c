"""The Matrix bridge: puppeted agents, one room per salon, outbound through the outbox, inbound sync loop.

On only when MATRIX_HOMESERVER_URL, MATRIX_SERVER_NAME and MATRIX_REGISTRATION_SHARED_SECRET (or
MATRIX_ADMIN_TOKEN) are set; `MatrixBridge()` raises ImproperlyConfigured otherwise.

- **Accounts**: each agent gets a Matrix user `@<username>:<server>` created through the Synapse admin API
  (`PUT /_synapse/admin/v2/users/…`, linked to the intranet OIDC provider when configured, so Element logs in
  with the intranet account) and a puppet access token from "login as user". Tokens are Fernet-encrypted in
  the database and never leave the server.
- **Bot**: a server-admin account that creates the rooms, invites members, kicks removed ones and syncs.
- **Outbound**: every Matrix operation is an outbox row (`chat/outbox.py`) written with its cause and
  performed here only, by `manage.py matrix_bridge`, with backoff; no web or socket thread talks to Synapse.
  Web messages without a Matrix event id are sent, oldest first, as their author, with the message uuid as
  transaction id: a retry (after a crash, a timeout, a 429, a homeserver outage) is deduplicated by Synapse,
  so each message lands once and in order.
- **Reconciliation** at start: leavers deactivated, bridged rooms' members made the salon's (Matrix users who
  are not members, agents or not, removed), unsent messages sent.
- **Inbound**: `manage.py matrix_bridge` syncs as the bot from the saved token, stores new text messages
  deduplicated by event id, skips its own echoes (the uuid travels in the event content) and pushes them live.
"""

import asyncio
import base64
import hashlib
import hmac
import logging
import re
from urllib.parse import quote

import httpx
import nio
from asgiref.sync import sync_to_async
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError

logger = logging.getLogger(__name__)

UUID_KEY = "fr.ccfi.intranet.uuid"
SYNC_TOKEN_KEY = "sync_token"
BOT_TOKEN_KEY = "bot_token"


class MatrixError(Exception):
    """A homeserver answer we cannot use. `retry_after` (seconds) is set for rate limits."""

    def __init__(self, message: str, *, status: int | None = None, errcode: str = "", retry_after: float = 0):
        super().__init__(message)
        self.status, self.errcode, self.retry_after = status, errcode, retry_after


def bridge_enabled() -> bool:
    return bool(
        settings.MATRIX_HOMESERVER_URL
        and settings.MATRIX_SERVER_NAME
        and (settings.MATRIX_REGISTRATION_SHARED_SECRET or settings.MATRIX_ADMIN_TOKEN)
    )


def localpart_for(username: str) -> str:
    """The agent's localpart, mapped exactly as Synapse maps the OIDC `preferred_username` of an Element login
    (`synapse.types.map_username_to_mxid_localpart`), so that both land on one account: the UTF-8 bytes with
    ASCII letters lowercased, every byte outside `a-z 0-9 . _ - / +` as `=xx`, a leading `_` as `=5f`."""
    mapped = re.sub(rb"[^a-z0-9._\-/+]", lambda m: b"=%02x" % m.group()[0], username.encode().lower())
    return re.sub(rb"^_", b"=5f", mapped).decode("ascii")


def _fernet() -> Fernet:
    key = settings.MATRIX_TOKEN_KEY
    if not key:
        digest = hashlib.sha256((settings.SECRET_KEY + ":chat.matrix.tokens").encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt_token(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode()


def decrypt_token(value: str) -> str:
    try:
        return _fernet().decrypt(value.encode()).decode()
    except (InvalidToken, ValueError):
        return ""


def strip_reply_fallback(body: str) -> str:
    """Matrix replies start with "> <@sender> quoted" lines and a blank line: keep the answer only."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> "):
        return body
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    if lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


# --- Database helpers (run in a worker thread from the async bridge) --------------------------------------


def _state_get(key: str) -> str:
    from .models import BridgeState

    return BridgeState.objects.filter(key=key).values_list("value", flat=True).first() or ""


def _state_set(key: str, value: str) -> None:
    from .models import BridgeState

    BridgeState.objects.update_or_create(key=key, defaults={"value": value})


# The inbound side and the service loops; that module reads the names above through this module.
from .matrix_sync import BridgeLoopsMixin  # noqa: E402


class MatrixBridge(BridgeLoopsMixin):
    """One bridge session. Use as `async with MatrixBridge() as bridge:` (closes its HTTP clients)."""

    def __init__(self):
        if not bridge_enabled():
            raise ImproperlyConfigured(
                "Le pont Matrix est désactivé : définissez MATRIX_HOMESERVER_URL, MATRIX_SERVER_NAME et "
                "MATRIX_REGISTRATION_SHARED_SECRET (ou MATRIX_ADMIN_TOKEN)."
            )
        self.url = settings.MATRIX_HOMESERVER_URL.rstrip("/")
        self.server_name = settings.MATRIX_SERVER_NAME
        self.http = httpx.AsyncClient(base_url=self.url, timeout=settings.MATRIX_REQUEST_TIMEOUT)
        self._bot_token = ""
        self.bot_user_id = ""
        self._bot_lock = asyncio.Lock()  # the inbound and outbox loops start together: one login

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()

    async def close(self):
        await self.http.aclose()

    # --- Raw HTTP with 429 handling ------------------------------------------------------------------------

    async def request(self, method: str, path: str, *, token: str = "", json=None, retries: int = 8) -> dict:
        """One client/admin API call; waits `retry_after_ms` on 429 and tries again with the same body."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for _attempt in range(retries + 1):
            response = await self.http.request(method, path, json=json, headers=headers)
            try:
                body = response.json()
            except ValueError:
                body = {}
            if response.status_code == 429:
                wait = (body.get("retry_after_ms") or 1000) / 1000
                logger.info("Matrix rate limit on %s, waiting %.2fs", path, wait)
                await asyncio.sleep(wait)
                continue
            if response.status_code >= 400:
                raise MatrixError(
                    f"{method} {path}: {response.status_code} "
                    f"{body.get('errcode', '')} {body.get('error', '')}",
                    status=response.status_code,
                    errcode=body.get("errcode", ""),
                )
            return body
        raise MatrixError(f"{method} {path}: still rate-limited", status=429, errcode="M_LIMIT_EXCEEDED")

    def user_id(self, localpart: str) -> str:
        return f"@{localpart}:{self.server_name}"

    def nio_client(
        self, user_id: str, token: str, *, request_timeout: float | None = None
    ) -> nio.AsyncClient:
        """A matrix-nio client on an admin-issued token. Bounded retries: nio's default retries forever."""
        config = nio.AsyncClientConfig(
            max_limit_exceeded=20,
            max_timeouts=2,
            request_timeout=request_timeout or settings.MATRIX_REQUEST_TIMEOUT,
        )
        client = nio.AsyncClient(self.url, user_id, config=config)
        client.restore_login(user_id, "INTRANET", token)
        return client

    async def send_as(self, user_id: str, token: str, room_id: str, content: dict, *, txn_id: str) -> str:
        """Send one event with matrix-nio. On 429 nio waits `retry_after_ms` and resends with the **same**
        transaction id, so Synapse stores it once; other failures raise MatrixError (the message stays
        queued)."""
        client = self.nio_client(user_id, token)
        try:
            response = await client.room_send(room_id, "m.room.message", content, tx_id=txn_id)
        finally:
            await client.close()
        if isinstance(response, nio.RoomSendError):
            raise MatrixError(
                f"send {txn_id}: {response.status_code} {response.message}", errcode=str(response.status_code)
            )
        return response.event_id

    # --- The bot -------------------------------------------------------------------------------------------

    def _bot_password(self) -> str:
        secret = settings.MATRIX_REGISTRATION_SHARED_SECRET or settings.SECRET_KEY
        return hmac.new(secret.encode(), b"chat.matrix.bot", hashlib.sha256).hexdigest()

    async def bot_token(self) -> str:
        if self._bot_token:
            return self._bot_token
        async with self._bot_lock:
            if not self._bot_token:
                await self._bot_login()
        return self._bot_token

    async def _bot_login(self) -> None:
        if settings.MATRIX_ADMIN_TOKEN:
            token = settings.MATRIX_ADMIN_TOKEN
        else:
            token = decrypt_token(await sync_to_async(_state_get)(BOT_TOKEN_KEY))
            if token:
                try:
                    await self.request("GET", "/_matrix/client/v3/account/whoami", token=token)
                except MatrixError as exc:
                    if exc.status != 401:
                        raise
                    token = ""
            if not token:
                token = await self._bot_register_or_login()
                await sync_to_async(_state_set)(BOT_TOKEN_KEY, encrypt_token(token))
        whoami = await self.request("GET", "/_matrix/client/v3/account/whoami", token=token)
        self._bot_token, self.bot_user_id = token, whoami["user_id"]

    async def _bot_register_or_login(self) -> str:
        """Register the bot as a server admin with the shared secret; if it exists, log in (its password is
        derived from the secret, so no state is needed)."""
        localpart, password = settings.MATRIX_BOT_LOCALPART, self._bot_password()
        nonce = (await self.request("GET", "/_synapse/admin/v1/register"))["nonce"]
        mac = hmac.new(
            settings.MATRIX_REGISTRATION_SHARED_SECRET.encode(),
            b"\x00".join([nonce.encode(), localpart.encode(), password.encode(), b"admin"]),
            hashlib.sha1,
        ).hexdigest()
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "displayname": "Intranet",
            "admin": True,
            "mac": mac,
        }
        try:
            return (await self.request("POST", "/_synapse/admin/v1/register", json=body))["access_token"]
        except MatrixError as exc:
            if exc.errcode != "M_USER_IN_USE":
                raise
        login = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": localpart},
            "password": password,
            "initial_device_display_name": "Pont de l'intranet",
        }
        return (await self.request("POST", "/_matrix/client/v3/login", json=login))["access_token"]

    async def admin(self, method: str, path: str, json=None) -> dict:
        return await self.request(method, path, token=await self.bot_token(), json=json)

    # --- Agents' puppets -----------------------------------------------------------------------------------

    async def ensure_account(self, user) -> tuple[str, str]:
        """The agent's Matrix id and puppet token, provisioning the account on first use."""
        from .models import MatrixAccount

        account = await sync_to_async(MatrixAccount.objects.filter(user_id=user.pk).first)()
        if account is not None and not account.deactivated:
            token = decrypt_token(account.token_encrypted)
            if token:
                return account.matrix_user_id, token
        user_id = self.user_id(localpart_for(user.get_username()))
        quoted = quote(user_id)
        profile = {"displayname": user.get_full_name() or user.get_username()}
        if settings.MATRIX_OIDC_AUTH_PROVIDER:
            profile["external_ids"] = [
                {"auth_provider": settings.MATRIX_OIDC_AUTH_PROVIDER, "external_id": str(user.pk)}
            ]
        if user.email:
            profile["threepids"] = [{"medium": "email", "address": user.email}]
        await self.admin("PUT", f"/_synapse/admin/v2/users/{quoted}", json=profile)
        if settings.MATRIX_OVERRIDE_RATELIMIT:
            await self.admin(
                "POST",
                f"/_synapse/admin/v1/users/{quoted}/override_ratelimit",
                json={"messages_per_second": 0, "burst_count": 0},
            )
        token = (await self.admin("POST", f"/_synapse/admin/v1/users/{quoted}/login", json={}))[
            "access_token"
        ]

        def save():
            MatrixAccount.objects.update_or_create(
                user_id=user.pk,
                defaults={
                    "matrix_user_id": user_id,
                    "token_encrypted": encrypt_token(token),
                    "deactivated": False,
                },
            )

        await sync_to_async(save)()
        return user_id, token

    async def deactivate_account(self, user_id_pk: int) -> bool:
        """A leaver: deactivated on Matrix (tokens gone, every room left). True if there was an account."""
        from .models import MatrixAccount, Membership

        account = await sync_to_async(MatrixAccount.objects.filter(user_id=user_id_pk).first)()
        if account is None or account.deactivated:
            return False
        # The puppet token was issued by the admin API ("login as user"): Synapse files it under the bot, so
        # deactivating the agent would leave it valid. Log it out first (gone already: fine).
        puppet = decrypt_token(account.token_encrypted)
        if puppet:
            try:
                await self.request("POST", "/_matrix/client/v3/logout", token=puppet, json={})
            except MatrixError as exc:
                if exc.status != 401:
                    raise
        try:
            await self.admin(
                "POST",
                f"/_synapse/admin/v1/deactivate/{quote(account.matrix_user_id)}",
                json={"erase": False},
            )
        except MatrixError as exc:
            if exc.status != 404:
                raise
        await sync_to_async(MatrixAccount.objects.filter(pk=account.pk).update)(
            deactivated=True, token_encrypted=""
        )
        await sync_to_async(Membership.objects.filter(user_id=user_id_pk).update)(matrix_joined=False)
        return True

    # --- Rooms ---------------------------------------------------------------------------------------------

    async def ensure_room(self, salon) -> str:
        """The salon's room, created by the bot on first use (private, unencrypted, history shared)."""
        from .models import Salon

        if salon.matrix_room_id:
            return salon.matrix_room_id
        bot = await self.bot_token()
        body = {
            "visibility": "private",
            "preset": "private_chat",
            "name": salon.name,
            "topic": salon.topic,
            "initial_state": [
                {
                    "type": "m.room.history_visibility",
                    "state_key": "",
                    "content": {"history_visibility": "shared"},
                },
                {"type": "m.room.guest_access", "state_key": "", "content": {"guest_access": "forbidden"}},
            ],
            "power_level_override": {"users": {self.bot_user_id: 100}},
        }
        room_id = (await self.request("POST", "/_matrix/client/v3/createRoom", token=bot, json=body))[
            "room_id"
        ]
        won = await sync_to_async(Salon.objects.filter(pk=salon.pk, matrix_room_id__isnull=True).update)(
            matrix_room_id=room_id
        )
        if not won:  # another worker bridged it first: keep theirs
            await self.request("POST", f"/_matrix/client/v3/rooms/{quote(room_id)}/leave", token=bot, json={})
            salon.matrix_room_id = await sync_to_async(
                Salon.objects.filter(pk=salon.pk).values_list("matrix_room_id", flat=True).get
            )()
        else:
            salon.matrix_room_id = room_id
        return salon.matrix_room_id

    async def sync_members(self, salon_id: int) -> dict:
        """Room membership follows the salon's: members invited and joined, moderators at power 50, others
        kicked."""
        from .models import Membership, Salon

        salon = await sync_to_async(Salon.objects.get)(pk=salon_id)
        room_id = await self.ensure_room(salon)
        bot = await self.bot_token()
        memberships = await sync_to_async(
            lambda: list(
                Membership.objects.filter(salon_id=salon_id, user__is_active=True).select_related("user")
            )
        )()
        in_room = await self.room_members(room_id, bot)
        wanted, report = {}, {"joined": 0, "kicked": 0}
        for membership in memberships:
            user_id, token = await self.ensure_account(membership.user)
            wanted[user_id] = membership
            if in_room.get(user_id) != "join":
                try:
                    await self.request(
                        "POST",
                        f"/_matrix/client/v3/rooms/{quote(room_id)}/invite",
                        token=bot,
                        json={"user_id": user_id},
                    )
                except MatrixError as exc:
                    if exc.status != 403:  # 403: already invited or joined
                        raise
                await self.request("POST", f"/_matrix/client/v3/join/{quote(room_id)}", token=token, json={})
                report["joined"] += 1
            if not membership.matrix_joined:
                await sync_to_async(Membership.objects.filter(pk=membership.pk).update)(matrix_joined=True)
        # Whoever is in the room (or invited) without being a member on the intranet goes: agents who left
        # the salon, and Matrix users who are not agents at all (invited from Element by a member).
        for user_id in sorted(set(in_room) - set(wanted) - {self.bot_user_id}):
            await self.request(
                "POST",
                f"/_matrix/client/v3/rooms/{quote(room_id)}/kick",
                token=bot,
                json={"user_id": user_id, "reason": "Ne participe plus au salon sur l'intranet"},
            )
            report["kicked"] += 1
        await self._power_levels(room_id, bot, {uid for uid, m in wanted.items() if m.is_moderator})
        return report

    async def room_members(self, room_id: str, bot: str) -> dict[str, str]:
        """Users joined to or invited into the room: {user id: "join" | "invite"}."""
        body = await self.request("GET", f"/_matrix/client/v3/rooms/{quote(room_id)}/members", token=bot)
        members = {}
        for event in body.get("chunk", []):
            membership = (event.get("content") or {}).get("membership")
            if membership in ("join", "invite"):
                members[event["state_key"]] = membership
        return members

    async def _power_levels(self, room_id: str, bot: str, moderators: set[str]) -> None:
        path = f"/_matrix/client/v3/rooms/{quote(room_id)}/state/m.room.power_levels/"
        levels = await self.request("GET", path, token=bot)
        users = dict(levels.get("users", {}))
        desired = {uid: lvl for uid, lvl in users.items() if lvl != 50}
        desired.update(dict.fromkeys(moderators, 50))
        if desired != users:
            levels["users"] = desired
            await self.request("PUT", path, token=bot, json=levels)

    # --- Outbound ------------------------------------------------------------------------------------------

    async def send_pending(self, salon_id: int) -> int:
        """Send the salon's unsent web messages, oldest first, each as its author with its uuid as txn id.

        Stops at the first failure so order is kept; the next call resumes there. Returns how many were sent.
        """
        from .models import Membership, Message

        pending = await sync_to_async(
            lambda: list(
                Message.objects.pending_outbound()
                .filter(salon_id=salon_id)
                .select_related("author", "reply_to", "salon")
            )
        )()
        if not pending:
            return 0
        salon = pending[0].salon
        room_id = await self.ensure_room(salon)
        member_ids = await sync_to_async(
            lambda: set(
                Membership.objects.filter(salon_id=salon_id, matrix_joined=True).values_list(
                    "user_id", flat=True
                )
            )
        )()
        if any(m.author_id and m.author_id not in member_ids and m.author.is_active for m in pending):
            await self.sync_members(salon_id)
            member_ids = await sync_to_async(
                lambda: set(
                    Membership.objects.filter(salon_id=salon_id, matrix_joined=True).values_list(
                        "user_id", flat=True
                    )
                )
            )()
        sent = 0
        for message in pending:
            content = {
                "msgtype": "m.text",
                "body": message.text,
                "format": "org.matrix.custom.html",
                "formatted_body": message.html,
                UUID_KEY: str(message.uuid),
            }
            if message.reply_to_id and message.reply_to and message.reply_to.matrix_event_id:
                content["m.relates_to"] = {"m.in_reply_to": {"event_id": message.reply_to.matrix_event_id}}
            if message.author and message.author.is_active and message.author_id in member_ids:
                sender, token = await self.ensure_account(message.author)
            else:  # the author left before the message went out: the bot relays it, signed
                token, sender = await self.bot_token(), self.bot_user_id
                content["body"] = f"{message.display_author} : {message.text}"
                content["formatted_body"] = f"<strong>{message.display_author}</strong> : {message.html}"
            event_id = await self.send_as(sender, token, room_id, content, txn_id=str(message.uuid))
            try:
                await sync_to_async(
                    Message.objects.filter(pk=message.pk, matrix_event_id__isnull=True).update
                )(matrix_event_id=event_id)
            except IntegrityError:
                logger.warning("Matrix event %s already stored for another message", event_id)
            sent += 1
        return sent

    async def send_all_pending(self) -> int:
        from .models import Message

        salon_ids = await sync_to_async(
            lambda: list(
                Message.objects.pending_outbound()
                .values_list("salon_id", flat=True)
                .distinct()
                .order_by("salon_id")
            )
        )()
        total = 0
        for salon_id in salon_ids:
            try:
                total += await self.send_pending(salon_id)
            except (MatrixError, httpx.HTTPError) as exc:
                logger.warning("Matrix outbound for salon %s postponed: %s", salon_id, exc)
        return total

    async def redact(self, message_pk: int) -> None:
        from .models import Message

        message = await sync_to_async(Message.objects.select_related("salon", "author").get)(pk=message_pk)
        if not message.matrix_event_id or not message.salon.matrix_room_id:
            return
        token = await self.bot_token()
        path = (
            f"/_matrix/client/v3/rooms/{quote(message.salon.matrix_room_id)}/redact/"
            f"{quote(message.matrix_event_id)}/{message.uuid}-redact"
        )
        await self.request("PUT", path, token=token, json={"reason": "Supprimé sur l'intranet"})

    async def redact_events(self, room_id: str, event_ids: list[str]) -> None:
        """Retention: events of purged messages redacted by the bot (the transaction id makes a retry a no-op;
        an event already gone is fine)."""
        token = await self.bot_token()
        for event_id in event_ids:
            path = (
                f"/_matrix/client/v3/rooms/{quote(room_id)}/redact/{quote(event_id)}/"
                f"retention-{hashlib.sha256(event_id.encode()).hexdigest()[:32]}"
            )
            try:
                await self.request(
                    "PUT", path, token=token, json={"reason": "Durée de conservation dépassée"}
                )
            except MatrixError as exc:
                if exc.status != 404:
                    raise

    async def edit(self, message_pk: int) -> None:
        from .models import Message

        message = await sync_to_async(Message.objects.select_related("salon", "author").get)(pk=message_pk)
        if not message.matrix_event_id or not message.author or not message.salon.matrix_room_id:
            return
        _uid, token = await self.ensure_account(message.author)
        new = {
            "msgtype": "m.text",
            "body": message.text,
            "format": "org.matrix.custom.html",
            "formatted_body": message.html,
        }
        content = {
            **new,
            "body": f"* {message.text}",
            "m.new_content": new,
            "m.relates_to": {"rel_type": "m.replace", "event_id": message.matrix_event_id},
            UUID_KEY: str(message.uuid),
        }
        txn = f"{message.uuid}-edit-{int(message.edited_at.timestamp() * 1000)}"
        path = f"/_matrix/client/v3/rooms/{quote(message.salon.matrix_room_id)}/send/m.room.message/{txn}"
        await self.request("PUT", path, token=token, json=content)
