"""The access log is append-only in the database and purged only by the retention command."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from intranet.audit.actions import audit_purge, audit_record
from intranet.audit.models import AccessEvent

pytestmark = pytest.mark.django_db


def test_audit_record_keeps_who_what_where(agent):
    request = RequestFactory().get("/", HTTP_USER_AGENT="Firefox", REMOTE_ADDR="10.1.2.3")
    request.user = agent
    event = audit_record(action="document.download", request=request, obj=agent)
    assert (event.actor, event.actor_label, event.ip, event.user_agent) == (
        agent,
        "marie.dupont",
        "10.1.2.3",
        "Firefox",
    )
    assert (event.object_type, event.object_id, event.result) == ("people.user", str(agent.pk), "success")


def test_update_is_refused_by_the_database(agent):
    event = audit_record(action="auth.login", actor=agent)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(action="falsifié")
    event.refresh_from_db()
    assert event.action == "auth.login"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite keeps DELETE for the test runner's flush"
)
def test_delete_is_refused_by_the_database(agent):
    event = audit_record(action="auth.login", actor=agent)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).delete()
    assert AccessEvent.objects.filter(pk=event.pk).exists()


def test_purge_drops_only_events_older_than_retention(agent, settings):
    old = audit_record(action="auth.login", actor=agent)
    recent = audit_record(action="auth.login", actor=agent)
    # Age the first event the way time would: this test bypasses the trigger on purpose, as the DB owner.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_accessevent DISABLE TRIGGER audit_accessevent_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_accessevent_no_update")
        cursor.execute(
            "UPDATE audit_accessevent SET created_at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 1), old.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_accessevent ENABLE TRIGGER audit_accessevent_append_only")
    assert audit_purge() == 1
    remaining = set(AccessEvent.objects.values_list("action", flat=True))
    assert not AccessEvent.objects.filter(pk=old.pk).exists()
    assert AccessEvent.objects.filter(pk=recent.pk).exists()
    assert remaining == {"auth.login", "audit.purge"}
    run = AccessEvent.objects.get(action="audit.purge")
    assert run.extra["deleted"] == 1 and run.extra["days"] == settings.AUDIT_RETENTION_DAYS


def test_purge_command_reports_in_french(agent, capsys):
    audit_record(action="auth.login", actor=agent)
    call_command("audit_purge")
    assert "0 événement(s) de plus de 365 jours supprimé(s)." in capsys.readouterr().out
    assert AccessEvent.objects.filter(action="auth.login").exists()


def test_deleting_an_account_does_not_rewrite_the_log(make_user):
    user = make_user()
    event = audit_record(action="auth.login", actor=user)
    user.delete()
    event = AccessEvent.objects.get(pk=event.pk)
    assert event.actor_label == user.username


@pytest.mark.parametrize(
    ("remote", "recorded"),
    [("192.0.2.7", "192.0.2.7"), (" 2001:db8::1 ", "2001:db8::1"), ("testclient", None), ("", None)],
)
def test_client_address_that_is_not_an_ip_is_recorded_as_unknown(rf, remote, recorded):
    """A server on a Unix socket or an in-process client gives REMOTE_ADDR values the inet column refuses."""
    request = rf.get("/", REMOTE_ADDR=remote)
    event = audit_record(action="test.address", request=request)
    event.refresh_from_db()
    assert event.ip == recorded
