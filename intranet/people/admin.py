"""The Django admin (/django-admin/, IT only) for agent accounts: deactivating or reactivating here goes
through the same actions as Wagtail's « Utilisateurs » and the LDAP sync (intranet.people.leavers)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .leavers import user_active_state_changed
from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_active", "suspended_at", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    readonly_fields = ["suspended_at", "ldap_dn", "ldap_guid", "ldap_synced_at", "last_login", "date_joined"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Annuaire et suspension"), {"fields": ["ldap_dn", "ldap_guid", "ldap_synced_at", "suspended_at"]}),
    ]
    # Bulk delete would erase authorship and history; accounts are deactivated, never deleted.
    actions = None

    def save_model(self, request, obj, form, change):
        was_active = (
            User.objects.filter(pk=obj.pk).values_list("is_active", flat=True).first() if change else None
        )
        super().save_model(request, obj, form, change)
        if change and was_active is not None:
            user_active_state_changed(user=obj, was_active=was_active, actor=request.user, request=request)
