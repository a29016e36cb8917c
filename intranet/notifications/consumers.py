from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .push import user_group


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Pushes an agent's new notifications and unread count to their open pages. Receives nothing."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # Clients only listen; anything they send is ignored.
        return

    async def notification_event(self, event):
        await self.send_json(event["payload"])
