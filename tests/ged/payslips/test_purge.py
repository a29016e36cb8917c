"""The employer's retention of payslips: `payslips_purge` deletes only the months past
PAYSLIPS_RETENTION_YEARS of agents who have left and whose leaver link is used or expired; an agent still
here, or disabled without a departure processed by HR, keeps every payslip (their copy is for life); each
purge is written in the agent's safe log."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from ged.payslips.actions import purge_cutoff
from ged.payslips.models import LeaverLink, Payslip
from intranet.audit.models import AccessEvent

pytestmark = pytest.mark.django_db

OLD = datetime.date(2015, 3, 1)
RECENT = datetime.date(2026, 11, 1)


@pytest.fixture
def slips(agents, deposit_rows):
    rows = [(a.registration_number, a.get_full_name()) for a in agents[:3]]
    deposit_rows(rows, period=OLD, name="paie-2015-03.pdf", seed=1)
    deposit_rows(rows, period=RECENT, name="paie-2026-11.pdf", seed=2)
    return agents[:3]


def test_cutoff_is_the_first_month_of_the_employers_period(settings):
    settings.PAYSLIPS_RETENTION_YEARS = 5
    assert purge_cutoff(datetime.date(2026, 12, 7)) == datetime.date(2021, 12, 1)
    assert purge_cutoff(datetime.date(2028, 2, 29)) == datetime.date(2023, 2, 1)


def test_only_old_payslips_of_leavers_with_no_open_link_go(slips, agents, deposit_rows, settings):
    settings.PAYSLIPS_RETENTION_YEARS = 5
    here, gone, waiting = slips
    # A disabled account HR never processed as a departure (no leaver link): kept.
    suspended = agents[3]
    deposit_rows([(suspended.registration_number, "x")], period=OLD, name="paie-2015-03-b.pdf", seed=3)
    for agent in (gone, waiting, suspended):
        agent.is_active = False
        agent.save(update_fields=["is_active"])
    # The leaver link of `gone` was used; `waiting` still has an open one.
    LeaverLink.objects.create(
        agent=gone, email="a@example.org", expires_at=timezone.now(), used_at=timezone.now()
    )
    LeaverLink.objects.create(
        agent=waiting, email="b@example.org", expires_at=timezone.now() + datetime.timedelta(days=3)
    )

    out = io.StringIO()
    call_command("payslips_purge", stdout=out, stderr=io.StringIO())
    assert "1 bulletin(s)" in out.getvalue()

    left = set(Payslip.objects.values_list("agent_id", "period"))
    assert (gone.pk, OLD) not in left
    kept = {(gone.pk, RECENT), (here.pk, OLD), (here.pk, RECENT), (waiting.pk, OLD), (suspended.pk, OLD)}
    assert kept <= left
    event = AccessEvent.objects.get(action="payslips.purge")
    assert event.object_id == str(gone.pk)
    assert event.extra == {"count": 1, "months": ["2015-03"]}

    # Nothing more to do: a second run deletes nothing and writes nothing.
    call_command("payslips_purge", stdout=io.StringIO(), stderr=io.StringIO())
    assert AccessEvent.objects.filter(action="payslips.purge").count() == 1
