from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "intranet.news"
    label = "news"
    verbose_name = _("Accueil et actualités")

    def ready(self):
        from intranet import registry
        from intranet.api import api

        from .api import router
        from .demo import seed_news

        registry.register_nav(key="news", label=_("Actualités"), url="/actualites/", order=20)
        registry.register_demo_seeder(key="news", seeder=seed_news, order=20)
        api.add_router("/", router)
