"""IT's screen of the outbox: the operations on external systems still waiting, with their last error, and
« Réessayer maintenant ». Read-only otherwise (rows are written by the apps and the workers only)."""

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .actions import outbox_retry_now
from .models import OutboxItem
from .registry import get_kind


class ViewOnlyForITPolicy(ModelPermissionPolicy):
    """IT (superusers) may list and inspect rows; nobody adds, changes or deletes them here."""

    def user_has_permission(self, user, action):
        return action == "view" and user.is_active and user.is_superuser

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class KindColumn(Column):
    def get_value(self, instance):
        kind = get_kind(instance.kind)
        return str(kind.label) if kind else instance.kind


class RetryColumn(Column):
    cell_template_name = "outbox/_retry_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["retry_url"] = reverse(outbox_viewset.get_url_name("retry"), args=[instance.pk])
        context["csrf_token"] = get_token(parent_context["request"])
        return context


class WaitingIndexView(generic.IndexView):
    """Only what is still to do: done rows are history (kept a few days, then purged)."""

    def get_base_queryset(self):
        return super().get_base_queryset().filter(done_at__isnull=True)


class OutboxViewSet(ModelViewSet):
    model = OutboxItem
    icon = "warning"
    menu_label = _("Opérations externes en attente")
    add_to_admin_menu = False
    index_view_class = WaitingIndexView
    list_display = [
        "created_at",
        KindColumn("kind", label=_("opération")),
        "attempts",
        "next_attempt_at",
        "last_error",
        RetryColumn("retry", label=_("Réessayer")),
    ]
    list_filter = ["kind", "queue"]
    search_fields = ["kind", "last_error", "dedupe_key"]
    inspect_view_enabled = True
    exclude_form_fields = []

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), path("<int:pk>/reessayer/", self.retry_view, name="retry")]

    def retry_view(self, request, pk):
        if not self.permission_policy.user_has_permission(request.user, "view"):
            raise Http404
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if outbox_retry_now(ids=[pk]):
            messages.success(request, _("L'opération sera retentée dans un instant."))
        else:
            messages.warning(request, _("Cette opération est déjà faite ou en cours."))
        return redirect(self.menu_url)


register_permission_policy(OutboxItem, ViewOnlyForITPolicy(OutboxItem))
outbox_viewset = OutboxViewSet("operations-externes")


@hooks.register("register_admin_viewset")
def register_outbox_viewset():
    return outbox_viewset


@hooks.register("register_settings_menu_item")
def register_outbox_menu_item():
    from wagtail.admin.menu import MenuItem

    class ITMenuItem(MenuItem):
        def is_shown(self, request):
            return request.user.is_superuser

    return ITMenuItem(
        _("Opérations externes en attente"), outbox_viewset.menu_url, icon_name="warning", order=910
    )
