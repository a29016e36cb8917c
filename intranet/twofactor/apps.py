from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwoFactorConfig(AppConfig):
    name = "intranet.twofactor"
    label = "twofactor"
    verbose_name = _("Second facteur")

    def ready(self):
        from intranet import registry

        from . import receivers  # noqa: F401  (the session remembers at login whether the agent is enrolled)
        from .demo import seed_demo_second_factor

        # After the people core (which creates the accounts), before the apps' content.
        registry.register_demo_seeder(key="twofactor", seeder=seed_demo_second_factor, order=5)
