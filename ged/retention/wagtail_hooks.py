"""The management rules in the Wagtail admin (/cms/, « Règles de gestion »): where the archivist edits them.
The Django admin (/django-admin/) is IT's only (intranet/urls.py); the archivist reaches /cms/ through the
« Archivistes » group (Wagtail admin access and the rule's view, add and change permissions, no delete: a
rule in use is deactivated instead). Holds and lists are not edited here: their writes go through the
/archives/ pages and the API (actions, audit)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views.generic.models import EditView
from wagtail.admin.viewsets.model import ModelViewSet

from .models import RetentionRule


class RuleEditView(EditView):
    def save_instance(self):
        instance = super().save_instance()
        if "dua_years" in self.form.changed_data:
            # The documents of this type get their due date again from their own event date (audited).
            from .actions import rule_due_dates_recompute

            rule_due_dates_recompute(rule=instance, actor=self.request.user)
        return instance


class RetentionRuleViewSet(ModelViewSet):
    model = RetentionRule
    icon = "folder-inverse"
    menu_label = _("Règles de gestion")
    menu_order = 260
    add_to_admin_menu = True
    edit_view_class = RuleEditView
    list_display = [
        "code",
        "label",
        "dua_years",
        "start_event",
        "final_disposition",
        "communicability",
        "example",
        "active",
    ]
    list_filter = ["final_disposition", "start_event", "example", "active"]
    search_fields = ["code", "label"]
    form_fields = [
        "code",
        "label",
        "dua_years",
        "start_event",
        "final_disposition",
        "communicability",
        "notes",
        "example",
        "active",
    ]


retention_rule_viewset = RetentionRuleViewSet("regles-de-gestion")


@hooks.register("register_admin_viewset")
def register_retention_rule_viewset():
    return retention_rule_viewset
