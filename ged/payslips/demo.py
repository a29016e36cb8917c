"""Demo payslips: every demo agent gets a registration number (if the directory gave none) and last month's
payslip, deposited by the HR agent as one payroll PDF through the same action as the page; one page without
a registration number lands in quarantine."""

import datetime
import os

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from ged import storage
from ged.uploads import stage

from .actions import deposit
from .models import Batch
from .samples import payroll_pdf

HR_USERNAME = "marine.petit"


def seed_payslips(*, stdout, agents: dict) -> None:
    if Batch.objects.exists():
        return
    people = sorted(agents.values(), key=lambda u: u.username)
    for index, user in enumerate(people):
        if not user.registration_number:
            user.registration_number = f"{100001 + index:06d}"
            user.save(update_fields=["registration_number"])
    group, _created = Group.objects.get_or_create(name=settings.PAYSLIPS_MANAGER_GROUP)
    hr = agents.get(HR_USERNAME)
    if hr is not None:
        hr.groups.add(group)
    period = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    rows = [(u.registration_number, u.get_full_name() or u.username) for u in people if u.is_active]
    rows.append(("", "Page sans matricule (exemple de quarantaine)"))
    tmp = storage.new_temp_file()
    with tmp:
        tmp.write(payroll_pdf(rows, period, seed=12))
    try:
        staged = stage(tmp.name, name=f"paie-{period:%Y-%m}.pdf")
    finally:
        if os.path.exists(tmp.name):
            os.unlink(tmp.name)
    batch = deposit(period=period, files=[staged], by=hr)
    stdout.write(f"Bulletins de paie : {batch.delivered} remis, {batch.quarantined} en quarantaine.\n")
