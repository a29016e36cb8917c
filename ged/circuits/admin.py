"""Desks, circuit templates and delegations in the Django admin (IT); agents use the parapheur pages."""

from django.contrib import admin

from .models import CircuitTemplate, Delegation, Desk, TemplateStep


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]
    filter_horizontal = ["members"]


class TemplateStepInline(admin.TabularInline):
    model = TemplateStep
    extra = 1


@admin.register(CircuitTemplate)
class CircuitTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "document_type", "active"]
    inlines = [TemplateStepInline]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["desk", "person", "deputy", "start", "end", "revoked_at"]
    raw_id_fields = ["person", "deputy", "created_by"]
