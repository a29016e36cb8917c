"""Payslips: each agent's confidential safe (« Mon coffre agent »), deposits, quarantine (issue 18)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayslipsConfig(AppConfig):
    """Each agent's payslip safe, an app of its own so that its migrations never collide with ged's
    (label `ged_payslips`)."""

    name = "ged.payslips"
    label = "ged_payslips"
    verbose_name = _("Bulletins de paie")

    def ready(self):
        from intranet import registry
        from intranet.accessibility.pages import register_sample_pages
        from intranet.api import api
        from intranet.audit.actions import audit_keep_apart
        from intranet.outbox.registry import register_kind

        from . import actions, hooks
        from .api import router
        from .demo import seed_payslips

        registry.register_dashboard_panel(
            key="payslips_new",
            template="payslips/_dashboard_panel.html",
            context=hooks.dashboard_context,
            order=44,
            topics=(actions.DASHBOARD_TOPIC,),
        )
        registry.register_demo_seeder(key="payslips", seeder=seed_payslips, order=60)
        register_sample_pages(key="payslips", resolve=hooks.accessibility_pages, order=36)
        register_kind(
            name=actions.LEAVER_MAIL_KIND,
            perform=actions.send_leaver_mail,
            label=_("Courriel de départ : lien vers les bulletins de paie"),
        )
        api.add_router("/", router)
        # The safe's log lasts as long as the payslips (actions.safe_log_purge), not AUDIT_RETENTION_DAYS.
        audit_keep_apart(actions.SAFE_OBJECT)
