"""IT reaches the second factor reset from the Wagtail admin: a menu entry, and a button on each user of
Wagtail's users screen. Both for superusers only; the view itself refuses everyone else (404)."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button


class _SuperuserMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_admin_menu_item")
def second_factor_reset_menu_item():
    return _SuperuserMenuItem(
        _("Second facteur des agents"), reverse("twofactor:reset"), icon_name="lock", order=10000
    )


@hooks.register("register_user_listing_buttons")
def second_factor_reset_button(user, request_user):
    if request_user.is_superuser:
        url = f"{reverse('twofactor:reset')}?{urlencode({'agent': user.get_username()})}"
        yield Button(_("Réinitialiser le second facteur"), url, priority=100)
