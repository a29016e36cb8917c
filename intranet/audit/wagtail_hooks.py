from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import AccessEvent


class ReadOnlyForITPolicy(ModelPermissionPolicy):
    """IT (superusers) may list and inspect events; nobody may add, change or delete them."""

    def user_has_permission(self, user, action):
        return action == "view" and user.is_active and user.is_superuser

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class AccessEventViewSet(ModelViewSet):
    """Read-only view of the access log for IT (superusers): no add, edit or delete screens."""

    model = AccessEvent
    icon = "history"
    menu_label = _("Journal d'accès")
    menu_order = 900
    add_to_admin_menu = False
    list_display = ["created_at", "actor_label", "action", "object_type", "object_id", "result", "ip"]
    list_filter = ["action", "result"]
    search_fields = ["actor_label", "action", "object_id"]
    inspect_view_enabled = True
    exclude_form_fields = []


register_permission_policy(AccessEvent, ReadOnlyForITPolicy(AccessEvent))
audit_viewset = AccessEventViewSet("journal")


@hooks.register("register_admin_viewset")
def register_audit_viewset():
    return audit_viewset


@hooks.register("register_settings_menu_item")
def register_audit_menu_item():
    from wagtail.admin.menu import MenuItem

    return MenuItem(_("Journal d'accès"), audit_viewset.menu_url, icon_name="history", order=900)
