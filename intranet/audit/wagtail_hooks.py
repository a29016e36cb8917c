from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from .models import AccessEvent


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

    def get_urlpatterns(self):
        # Only the listing and the inspect view: the log is append-only.
        return [p for p in super().get_urlpatterns() if p.name in {"index", "index_results", "inspect"}]


audit_viewset = AccessEventViewSet("journal")


@hooks.register("register_admin_viewset")
def register_audit_viewset():
    return audit_viewset


@hooks.register("register_settings_menu_item")
def register_audit_menu_item():
    from wagtail.admin.menu import MenuItem

    return MenuItem(_("Journal d'accès"), audit_viewset.menu_url, icon_name="history", order=900)
