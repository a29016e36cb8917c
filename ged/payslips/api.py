"""/api/v1/me/payslips: the caller's own payslips (list, download). Nobody else's, whoever calls."""

import datetime

from ninja import Router, Schema

from .actions import audit_download
from .permissions import access_payslip, own_payslips
from .views import _pdf_response

router = Router(tags=["Bulletins de paie"])


class PayslipOut(Schema):
    id: int
    period: datetime.date
    size: int
    sha256: str
    deposited_at: datetime.datetime
    download_url: str


@router.get("/me/payslips", response=list[PayslipOut], summary="Mes bulletins de paie")
def my_payslips(request):
    return [
        PayslipOut(
            id=p.pk,
            period=p.period,
            size=p.size,
            sha256=p.sha256,
            deposited_at=p.deposited_at,
            download_url=f"/api/v1/me/payslips/{p.pk}/download",
        )
        for p in own_payslips(request.user).order_by("-period", "-pk")
    ]


@router.get("/me/payslips/{payslip_id}/download", summary="Télécharger un de mes bulletins de paie")
def my_payslip_download(request, payslip_id: int):
    payslip = access_payslip(request.user, payslip_id)
    audit_download(request=request, payslips=[payslip])
    return _pdf_response(request, payslip.sha256, f"bulletin-{payslip.period:%Y-%m}.pdf")
