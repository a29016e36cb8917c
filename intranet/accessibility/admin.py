from django.contrib import admin

from .models import Audit, CheckRun, KnownException, PlanYear, Statement


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ["publisher", "contact_email", "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Statement.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlanYear)
class PlanYearAdmin(admin.ModelAdmin):
    list_display = ["year"]


@admin.register(KnownException)
class KnownExceptionAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "position"]
    list_filter = ["kind"]


@admin.register(Audit)
class AuditAdmin(admin.ModelAdmin):
    list_display = ["date", "auditor", "criteria_met", "criteria_applicable"]


@admin.register(CheckRun)
class CheckRunAdmin(admin.ModelAdmin):
    """Written by `manage.py accessibility_check` only: read here, deleted if need be."""

    list_display = ["started_at", "finished_at", "base_url", "browser", "axe_version"]
    readonly_fields = ["started_at", "finished_at", "base_url", "browser", "axe_version", "results"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
