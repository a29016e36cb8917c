from intranet.people.sessions import session_group
from intranet.sockets import JsonSocketConsumer

from .push import user_group


class NotificationConsumer(JsonSocketConsumer):
    """Pushes an agent's new notifications and unread count to their open pages. Receives nothing.

        Refuses inactive accounts at connect, and closes when a "user.force_close" event reaches the agent's
    group (sent by intranet.people.leavers when the agent is deactivated).
    """

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        # Logging out of this session closes this page's socket (intranet.people.sessions).
        self.session_group = session_group(getattr(self.scope.get("session"), "session_key", None))
        if self.session_group:
            await self.channel_layer.group_add(self.session_group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if getattr(self, "session_group", None):
            await self.channel_layer.group_discard(self.session_group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # Clients only listen; anything they send is ignored.
        return

    async def receive_invalid(self, message):
        return

    async def notification_event(self, event):
        await self.send_json(event["payload"])

    async def user_force_close(self, event):
        """Sent when the agent is deactivated (intranet.people.leavers): an open page stops receiving."""
        await self.close(code=4401)

    async def session_close(self, event):
        """The session this page was opened under ended (logout)."""
        await self.close(code=4401)
