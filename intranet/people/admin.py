"""The Django admin (/django-admin/, IT only) for agent accounts: deactivating or reactivating here goes
through the same actions as Wagtail's « Utilisateurs » and the LDAP sync (intranet.people.leavers)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from intranet.audit.actions import audit_record

from .leavers import user_active_state_changed
from .models import AppPassword, Team, TeamGroup, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_active", "suspended_at", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    readonly_fields = ["suspended_at", "ldap_dn", "ldap_guid", "ldap_synced_at", "last_login", "date_joined"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (
            _("Annuaire et suspension"),
            {"fields": ["registration_number", "ldap_dn", "ldap_guid", "ldap_synced_at", "suspended_at"]},
        ),
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


@admin.register(AppPassword)
class AppPasswordAdmin(admin.ModelAdmin):
    """IT sees every agent's app passwords (never a secret: only its first characters) and revokes them, e.g.
    for a stolen laptop. Nothing is created or edited here: agents create their own on « Connecter un lecteur
    réseau »."""

    list_display = ["label", "user", "hint", "created_at", "last_used_at", "last_used_ip", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["label", "user__username", "user__last_name"]
    list_select_related = ["user"]
    readonly_fields = list_display
    fields = list_display
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Révoquer les mots de passe sélectionnés"), permissions=["view"])
    @transaction.atomic
    def revoke(self, request, queryset):
        rows = list(queryset.filter(revoked_at__isnull=True))
        now = timezone.now()
        AppPassword.objects.filter(pk__in=[r.pk for r in rows]).update(revoked_at=now)
        for row in rows:
            audit_record(action="app_password.revoke", request=request, obj=row, extra={"by": "it"})
        if rows:
            text = ngettext("%(count)s mot de passe révoqué.", "%(count)s mots de passe révoqués.", len(rows))
            self.message_user(request, text % {"count": len(rows)})
        else:
            self.message_user(request, _("Aucun mot de passe à révoquer : ceux choisis l'étaient déjà."))


class TeamGroupInline(admin.TabularInline):
    model = TeamGroup
    fields = ["role", "group"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """Read-only: a team and its role groups belong to the app that owns it (a project's roster)."""

    list_display = ["name", "key", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "key"]
    readonly_fields = list_display
    fields = list_display
    inlines = [TeamGroupInline]
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
