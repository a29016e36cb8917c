from django.apps import AppConfig
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "intranet.people"
    label = "people"
    verbose_name = _("Agents et organisation")

    def ready(self):
        from intranet import registry

        from . import signals  # noqa: F401  (receivers that keep UserSession filled)

        registry.register_nav(
            key="directory", label=_("Annuaire"), url=reverse_lazy("directory:index"), order=70
        )
