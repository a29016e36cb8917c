"""Management rules in the Django admin, which is IT's only (superusers, intranet/urls.py); the archivist
edits them in the Wagtail admin (wagtail_hooks.py), and both recompute due dates through the same action.
Holds and lists are read here only, their writes go through the /archives/ pages and the API (actions,
audit)."""

from django.contrib import admin

from .models import DestructionList, LegalHold, RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "label",
        "dua_years",
        "start_event",
        "final_disposition",
        "communicability",
        "example",
    ]
    list_filter = ["final_disposition", "start_event", "example", "active"]
    search_fields = ["code", "label"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "dua_years" in form.changed_data:
            # The documents of this type get their due date again from their own event date.
            from .actions import rule_due_dates_recompute

            rule_due_dates_recompute(rule=obj, actor=request.user)


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ["document", "reason", "owner", "start_date", "end_date", "released_at"]
    raw_id_fields = ["document", "owner", "created_by", "released_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DestructionList)
class DestructionListAdmin(admin.ModelAdmin):
    list_display = ["pk", "status", "proposed_by", "proposed_at", "approved_by", "executed_at"]
    exclude = ["slip_pdf"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
