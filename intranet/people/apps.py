from django.apps import AppConfig
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "intranet.people"
    label = "people"
    verbose_name = _("Agents et organisation")

    def ready(self):
        from intranet import registry

        from . import signals, teams  # noqa: F401  (signals: receivers that keep UserSession filled)

        teams.connect()  # departments served through the team hooks (chat's department salons)

        registry.register_nav(
            key="directory", label=_("Annuaire"), url=reverse_lazy("directory:index"), order=70
        )
        # « Qui est là ? » and the « Organigramme » (issue 19).
        from intranet.accessibility.pages import register_sample_pages

        from . import presence_demo, presence_hooks

        registry.register_nav(
            key="presence", label=_("Qui est là ?"), url=reverse_lazy("presence:index"), order=71
        )
        registry.register_profile_section(
            key="manager-chain",
            template="people/orgchart/_chain_section.html",
            context=presence_hooks.chain_section,
            order=5,
        )
        registry.register_demo_seeder(key="presence", seeder=presence_demo.seed_presence, order=15)
        register_sample_pages(key="presence", resolve=presence_hooks.accessibility_pages, order=15)
