"""The tasks of « Quel outil pour… ? » are edited as snippets, under Kotje in the Wagtail admin menu."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Task


class TaskViewSet(SnippetViewSet):
    model = Task
    icon = "help"
    menu_label = _("Tâches (Quel outil pour… ?)")
    list_display = ["name", "slug", "sort_order"]
    search_fields = ["name", "description"]
    ordering = ["sort_order", "name"]


class KotjeGroup(SnippetViewSetGroup):
    items = (TaskViewSet,)
    menu_icon = "doc-full"
    menu_label = _("Kotje")
    menu_name = "kotje"


register_snippet(KotjeGroup)
