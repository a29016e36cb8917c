"""The safe's log lasts as long as the payslips it tells of: the access log's purge (AUDIT_RETENTION_DAYS, a
year at most) leaves `ged_payslips.safe` events alone; `payslips_purge` removes them past the employer's
period, for the agents whose payslips it purges (and for accounts that no longer exist), never for an agent
in post or one disabled without a departure processed by HR."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from ged.payslips.actions import SAFE_OBJECT, safe_log_purge
from ged.payslips.models import LeaverLink
from intranet.audit.actions import audit_purge, audit_record
from intranet.audit.models import AccessEvent

pytestmark = pytest.mark.django_db

OLD = datetime.date(2015, 3, 1)
LONG_AGO = timezone.make_aware(datetime.datetime(2015, 3, 10, 9, 0))


def age(events, when):
    """Move events back in time the way years would: this bypasses the append-only trigger on purpose, as the
    database owner (as tests/audit/test_audit.py does)."""
    ids = list(events.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_accessevent DISABLE TRIGGER audit_accessevent_append_only")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_accessevent_no_update")
        for pk in ids:
            cursor.execute("UPDATE audit_accessevent SET created_at = %s WHERE id = %s", [when, pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_accessevent ENABLE TRIGGER audit_accessevent_append_only")


def safe_events(agent_id):
    return AccessEvent.objects.filter(object_type=SAFE_OBJECT, object_id=str(agent_id))


def test_access_log_purge_keeps_the_safes_events(agents, deposit_rows, settings):
    deposit_rows([(a.registration_number, "x") for a in agents[:2]], period=OLD)
    other = audit_record(action="auth.login", actor=agents[0])
    past = timezone.now() - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS + 30)
    age(AccessEvent.objects.all(), past)
    assert audit_purge() == 1
    assert not AccessEvent.objects.filter(pk=other.pk).exists()  # the control: the general rule still runs
    assert safe_events(agents[0].pk).count() == safe_events(agents[1].pk).count() == 1


def test_safe_log_goes_with_the_leavers_payslips(agents, deposit_rows, make_user, settings):
    settings.PAYSLIPS_RETENTION_YEARS = 5
    here, gone, waiting, suspended = agents[:4]
    deposit_rows([(a.registration_number, "x") for a in agents[:4]], period=OLD, name="paie-2015-03.pdf")
    age(AccessEvent.objects.all(), LONG_AGO)
    # A departed account since deleted (its payslips purged, its row removed): its old events go too.
    audit_record(action="payslips.download", object_type=SAFE_OBJECT, object_id=987654)
    age(AccessEvent.objects.filter(object_id="987654"), LONG_AGO)
    for agent in (gone, waiting, suspended):
        agent.is_active = False
        agent.save(update_fields=["is_active"])
    now = timezone.now()
    LeaverLink.objects.create(agent=gone, email="a@example.org", expires_at=now, used_at=now)
    LeaverLink.objects.create(
        agent=waiting, email="b@example.org", expires_at=now + datetime.timedelta(days=3)
    )
    recent = audit_record(action="payslips.download", object_type=SAFE_OBJECT, object_id=gone.pk)

    out = io.StringIO()
    call_command("payslips_purge", stdout=out, stderr=io.StringIO())
    assert "1 bulletin(s)" in out.getvalue() and "2 événement(s) de leur journal de coffre" in out.getvalue()

    assert list(safe_events(gone.pk).order_by("pk").values_list("action", flat=True)) == [
        "payslips.download",  # recent: inside the employer's period
        "payslips.purge",  # the purge just written
    ]
    assert safe_events(gone.pk).filter(pk=recent.pk).exists()
    assert not safe_events(987654).exists()
    for kept in (here, waiting, suspended):  # their payslips are all kept, so is their log
        assert safe_events(kept.pk).filter(action="payslips.deposit", created_at__year=2015).count() == 1
    assert safe_log_purge() == 0  # nothing more to do


def test_other_object_types_are_not_touched_by_the_safes_rule(agents, settings):
    gone = agents[0]
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    LeaverLink.objects.create(
        agent=gone, email="a@example.org", expires_at=timezone.now(), used_at=timezone.now()
    )
    login = audit_record(action="auth.login", actor=gone, obj=gone)
    age(AccessEvent.objects.filter(pk=login.pk), LONG_AGO)
    assert safe_log_purge() == 0
    assert AccessEvent.objects.filter(pk=login.pk).exists()
