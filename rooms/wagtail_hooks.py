"""Sites, rooms and equipment in the Wagtail admin (« Salles » menu)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .models import Equipment, Room, Site


class EquipmentViewSet(ModelViewSet):
    model = Equipment
    icon = "cog"
    menu_label = _("Équipements")
    add_to_admin_menu = False
    list_display = ["name", "slug"]
    form_fields = ["name", "slug"]
    search_fields = ["name"]


class SiteViewSet(ModelViewSet):
    model = Site
    icon = "site"
    menu_label = _("Sites")
    add_to_admin_menu = False
    list_display = ["name", "building", "address", "commune"]
    form_fields = ["name", "article", "slug", "building", "address", "commune"]
    search_fields = ["name", "address"]


class RoomViewSet(ModelViewSet):
    model = Room
    icon = "home"
    menu_label = _("Salles")
    add_to_admin_menu = False
    list_display = ["name", "site", "capacity", "requires_approval", "is_active"]
    list_filter = ["site", "requires_approval", "is_active"]
    search_fields = ["name", "description"]
    form_fields = [
        "name",
        "article",
        "slug",
        "site",
        "floor",
        "capacity",
        "equipment",
        "photo",
        "description",
        "is_active",
        "bookable_by_all",
        "allowed_departments",
        "requires_approval",
        "managers",
        "manager_department",
        "min_duration",
        "max_duration",
        "opens_at",
        "closes_at",
        "open_days",
    ]


class RoomsGroup(ModelViewSetGroup):
    menu_label = _("Salles")
    menu_icon = "home"
    menu_order = 250
    items = (RoomViewSet("salles"), SiteViewSet("sites"), EquipmentViewSet("equipements"))


@hooks.register("register_admin_viewset")
def register_rooms_viewsets():
    return RoomsGroup()
