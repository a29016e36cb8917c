"""Payslip fixtures: agents with registration numbers, the HR group, a payroll PDF maker and a deposit."""

import datetime
import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from ged import storage
from ged.payslips.actions import deposit
from ged.payslips.samples import payroll_pdf
from ged.uploads import stage

PERIOD = datetime.date(2026, 11, 1)


@pytest.fixture
def agents(make_user):
    """40 agents, registration numbers 200001 … 200040."""
    users = []
    for i in range(1, 41):
        user = make_user(f"paie{i:02d}")
        user.registration_number = f"{200000 + i:06d}"
        user.save(update_fields=["registration_number"])
        users.append(user)
    return users


@pytest.fixture
def hr(make_user):
    user = make_user("rh.paie", first_name="Rose", last_name="Hache")
    user.groups.add(Group.objects.get_or_create(name=settings.PAYSLIPS_MANAGER_GROUP)[0])
    return user


def staged_pdf(data: bytes, name: str):
    tmp = storage.new_temp_file()
    with tmp:
        tmp.write(data)
    try:
        return stage(tmp.name, name=name)
    finally:
        os.unlink(tmp.name)


@pytest.fixture
def deposit_rows(hr, django_capture_on_commit_callbacks):
    def do(rows, *, name="paie-2026-11.pdf", period=PERIOD, seed=1):
        with django_capture_on_commit_callbacks(execute=True):
            return deposit(
                period=period, files=[staged_pdf(payroll_pdf(rows, period, seed=seed), name)], by=hr
            )

    return do
