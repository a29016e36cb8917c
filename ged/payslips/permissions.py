"""Who may do what with payslips. The rule is short on purpose: a payslip is read by its agent and by nobody
else — no superuser, space manager, HR or manager bypass exists here (issue 18, Decisions). HR
(« Gestionnaire paie ») deposits batches and resolves the quarantine; it never reads a delivered payslip."""

from django.conf import settings
from django.http import Http404

from .models import Payslip


def is_payroll_manager(user) -> bool:
    """Member of the « Gestionnaire paie » group (PAYSLIPS_MANAGER_GROUP). Explicit membership only: being a
    superuser does not make one, so an IT administrator never sees the quarantine either."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.groups.filter(name=settings.PAYSLIPS_MANAGER_GROUP).exists()


def own_payslips(user):
    """The only queryset of payslips the views and the API ever use: the caller's own."""
    if not getattr(user, "is_authenticated", False):
        return Payslip.objects.none()
    return Payslip.objects.filter(agent_id=user.pk)


def access_payslip(user, payslip_id: int) -> Payslip:
    """The caller's own payslip, or 404 (another agent's and a missing one alike)."""
    payslip = own_payslips(user).filter(pk=payslip_id).first()
    if payslip is None:
        raise Http404
    return payslip


def require_payroll_manager(user) -> None:
    if not is_payroll_manager(user):
        raise Http404
