"""Fixity: `ged_fixity` re-hashes every stored blob, finds a flipped byte and a missing file, logs each in the
access log, tells IT (active superusers), and exits non-zero."""

import io

import pytest
from django.core.management import CommandError, call_command

from ged.retention.fixity import fixity_check
from intranet.audit.models import AccessEvent
from intranet.notifications.models import Notification

from .helpers import blob_file, flip_byte


def _run(*args):
    out = io.StringIO()
    try:
        call_command("ged_fixity", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_intact_store_exits_zero_and_logs_the_run(documents, make_user):
    it = make_user("it", superuser=True)
    code, out = _run()
    assert code == 0
    assert "3 contenus vérifiés ; altérés : 0 ; manquants : 0." in out
    run = AccessEvent.objects.get(action="ged.fixity_run")
    assert run.result == "success" and run.extra["checked"] == 3
    assert not Notification.objects.filter(recipient=it).exists()


@pytest.mark.django_db
def test_flipped_byte_and_missing_file_are_reported(documents, make_user, django_capture_on_commit_callbacks):
    """One byte flipped in one blob, another blob's file deleted: both found, logged, IT notified, exit 1."""
    it = make_user("it", superuser=True)
    agent = make_user("agent")
    altered = documents[0].current_version.blob.sha256
    lost = documents[1].current_version.blob.sha256
    flip_byte(altered)
    blob_file(lost).unlink()
    with django_capture_on_commit_callbacks(execute=True):
        code, out = _run()
    assert code == 1
    assert f"altéré : {altered}" in out and f"manquant : {lost}" in out
    assert "3 contenus vérifiés ; altérés : 1 ; manquants : 1." in out
    mismatch = AccessEvent.objects.get(action="ged.fixity_mismatch")
    assert mismatch.object_id == altered and mismatch.result == "failure"
    assert mismatch.extra["actual_sha256"] != altered
    assert mismatch.extra["actual_size"] == mismatch.extra["expected_size"]
    assert AccessEvent.objects.get(action="ged.fixity_missing").object_id == lost
    note = Notification.objects.get(recipient=it)
    assert "altérés : 1 ; manquants : 1" in note.text
    assert not Notification.objects.filter(recipient=agent).exists()


@pytest.mark.django_db
def test_limit_and_after_resume_where_the_run_stopped(documents):
    """--limit 2 checks two blobs and says where to resume; --after that checks the rest."""
    first = fixity_check(limit=2)
    assert first.checked == 2 and not first.complete
    rest = fixity_check(after=first.last)
    assert rest.checked == 1 and rest.complete
    assert sorted([first.last, rest.last]) == [first.last, rest.last]
    code, out = _run("--limit", "2")
    assert code == 0 and f"--after {first.last}" in out


@pytest.mark.django_db
def test_since_checks_only_recent_blobs(documents):
    assert fixity_check(since=documents[0].created_at.replace(year=2100)).checked == 0
    assert fixity_check(since=documents[0].created_at.replace(year=2000)).checked == 3


@pytest.mark.parametrize(
    "args", [["--limit", "0"], ["--since", "31/01/2026"], ["--after", "pas-une-empreinte"]]
)
@pytest.mark.django_db
def test_bad_arguments_are_refused_with_status_2(args):
    with pytest.raises(CommandError) as caught:
        call_command("ged_fixity", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert caught.value.returncode == 2
