"""Sites, rooms and equipment in the Wagtail admin (« Salles » menu)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .models import BookingPolicy, Equipment, Room, Site


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
    ]


class BookingPolicyViewSet(ModelViewSet):
    """Booking rules per site or per resource. Saving re-checks the future bookings they govern: those that
    no longer fit stay, flagged for the managers (policies.flag_bookings, called by a post_save receiver)."""

    model = BookingPolicy
    icon = "list-ul"
    menu_label = _("Règles de réservation")
    add_to_admin_menu = False
    list_display = ["name", "site", "room", "window_days", "max_active_bookings", "max_hours_per_week"]
    search_fields = ["name"]
    form_fields = [
        "name",
        "site",
        "room",
        "window_days",
        "min_duration",
        "max_duration",
        "buffer_minutes",
        "opens_at",
        "closes_at",
        "open_days",
        "closed_on_public_holidays",
        "departments",
        "employers",
        "max_active_bookings",
        "max_hours_per_week",
        "max_series_occurrences",
        "series_require_approval",
    ]


class RoomsGroup(ModelViewSetGroup):
    menu_label = _("Salles")
    menu_icon = "home"
    menu_order = 250
    items = (
        RoomViewSet("salles"),
        SiteViewSet("sites"),
        BookingPolicyViewSet("regles-reservation"),
        EquipmentViewSet("equipements"),
    )


@hooks.register("register_admin_viewset")
def register_rooms_viewsets():
    return RoomsGroup()
