from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayslipsConfig(AppConfig):
    """Each agent's payslip safe, an app of its own so that its migrations never collide with ged's
    (label `ged_payslips`)."""

    name = "ged.payslips"
    label = "ged_payslips"
    verbose_name = _("Bulletins de paie")
