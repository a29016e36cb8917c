from django.apps import AppConfig
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Discussions")

    def ready(self):
        from intranet import dashboard, registry
        from intranet.accessibility.pages import register_sample_pages
        from intranet.api import api
        from intranet.routing import register_websockets

        from . import a11y_pages, signals  # noqa: F401  (signals: the leaver receivers)
        from .api import router
        from .demo import seed_chat_demo
        from .models import DASHBOARD_TOPIC, Membership, Message, Salon
        from .outbox import register_matrix_kinds
        from .queries import dashboard_context, department_context, profile_context
        from .routing import websocket_urlpatterns

        registry.register_nav(key="chat", label=_("Discussions"), url=reverse_lazy("chat:index"), order=40)
        registry.register_dashboard_panel(
            key="chat",
            template="chat/_dashboard_panel.html",
            context=dashboard_context,
            order=40,
            topics=(DASHBOARD_TOPIC,),
        )
        # « Mes salons » shows salons, memberships (last read) and messages (unread counts): any of them saved
        # or deleted bumps the panel for everyone (bulk writes: the models' QuerySets).
        for model in (Salon, Membership, Message):
            dashboard.bump_on_save(model, DASHBOARD_TOPIC, uid=f"chat-{model._meta.model_name}")
        registry.register_profile_section(
            key="chat",
            template="people/directory/_profile_section_links.html",
            context=profile_context,
            order=60,
        )
        registry.register_department_section(
            key="chat",
            template="people/directory/_profile_section_links.html",
            context=department_context,
            order=60,
        )
        registry.register_demo_seeder(key="chat", seeder=seed_chat_demo, order=60)
        from . import workspaces

        registry.register_team_provisioner(
            key="chat",
            create=workspaces.create,
            sync_roster=workspaces.sync_roster,
            close=workspaces.close,
            reopen=workspaces.reopen,
            resolve=workspaces.resolve,
            order=20,
            changed=workspaces.changed,
        )
        from . import departments

        registry.register_team_provisioner(
            key="chat.department",
            create=departments.create,
            sync_roster=departments.sync_roster,
            sync_rosters=departments.sync_rosters,
            close=departments.close,
            reopen=departments.reopen,
            order=20,
            changed=departments.changed,
            kinds=("department",),
        )
        from . import links

        registry.register_link_kind(
            key="chat.message",
            label=_("Message du salon"),
            parse=links.parse,
            validate=links.validate,
            resolve=links.resolve_links,
            order=20,
        )
        register_sample_pages(key="chat", resolve=a11y_pages.accessibility_pages, order=50)
        register_websockets(websocket_urlpatterns)
        api.add_router("/chat", router)
        register_matrix_kinds()
