"""The generic outbox: rows written with their cause, claimed once, retried with backoff, failures kept."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from intranet.outbox.actions import (
    backoff_seconds,
    outbox_add,
    outbox_claim,
    outbox_purge_done,
    outbox_retry_now,
)
from intranet.outbox.models import OutboxItem
from intranet.outbox.queries import outbox_failing, outbox_summary
from intranet.outbox.registry import register_kind, unregister_kind
from intranet.outbox.worker import run_due

performed = []


@pytest.fixture
def kinds():
    """Two throwaway kinds: one that records its payload, one that fails while `broken` holds something."""
    performed.clear()
    broken = [True]

    def record(payload):
        performed.append(payload["n"])

    def flaky(payload):
        if broken:
            raise ConnectionError("service injoignable")
        performed.append(payload["n"])

    register_kind(name="test.record", perform=record)
    register_kind(name="test.flaky", perform=flaky)
    register_kind(name="test.other_queue", perform=record, queue="elsewhere")
    yield broken
    for name in ("test.record", "test.flaky", "test.other_queue"):
        unregister_kind(name)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_cause_leaves_no_row(kinds, make_user):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_user("cause")
        outbox_add(kind="test.record", payload={"n": 1})
        raise RuntimeError("the cause fails after its row was written")
    assert not OutboxItem.objects.exists()
    with transaction.atomic():
        make_user("cause2")
        outbox_add(kind="test.record", payload={"n": 2})
    assert OutboxItem.objects.get().payload == {"n": 2}


def test_unknown_kind_is_refused(db):
    with pytest.raises(ValueError):
        outbox_add(kind="test.nobody-registered-this")


def test_claim_takes_due_rows_of_its_queue_once_oldest_first(db, kinds):
    first = outbox_add(kind="test.record", payload={"n": 1})
    second = outbox_add(kind="test.record", payload={"n": 2})
    outbox_add(kind="test.other_queue", payload={"n": 3})
    later = outbox_add(kind="test.record", payload={"n": 4})
    OutboxItem.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    claimed = outbox_claim(queue="default")
    assert [i.pk for i in claimed] == [first.pk, second.pk]
    assert all(i.attempts == 1 and i.locked_until > timezone.now() for i in claimed)
    assert outbox_claim(queue="default") == []  # leased
    # A worker that died holding the lease: its rows come back once the lease is over.
    assert {i.pk for i in outbox_claim(queue="default", now=timezone.now() + timedelta(hours=1))} == {
        first.pk,
        second.pk,
        later.pk,
    }


def test_backoff_grows_exponentially_with_jitter_and_is_capped(settings):
    settings.OUTBOX_BACKOFF_BASE, settings.OUTBOX_BACKOFF_MAX = 2, 600
    for attempts, step in [(1, 2), (2, 4), (3, 8), (6, 64), (20, 600)]:
        delays = {backoff_seconds(attempts) for _ in range(50)}
        assert all(step / 2 <= d <= step for d in delays)
        assert len(delays) > 1  # jittered


def test_failure_is_recorded_and_retried_later_until_it_succeeds(db, kinds, settings):
    settings.OUTBOX_BACKOFF_BASE, settings.OUTBOX_BACKOFF_MAX = 60, 600
    item = outbox_add(kind="test.flaky", payload={"n": 7})
    assert run_due(queue="default") == (0, 1)
    item.refresh_from_db()
    assert item.done_at is None and item.attempts == 1
    assert item.last_error == "ConnectionError: service injoignable"
    now = timezone.now()
    assert now + timedelta(seconds=29) < item.next_attempt_at <= now + timedelta(seconds=60)
    assert list(outbox_failing()) == [item]
    assert outbox_summary() == [{"kind": "test.flaky", "waiting": 1, "failing": 1, "oldest": item.created_at}]
    assert run_due(queue="default") == (0, 0)  # not due yet
    assert outbox_retry_now(ids=[item.pk]) == 1  # IT's « Réessayer maintenant »
    assert run_due(queue="default") == (0, 1)
    item.refresh_from_db()
    assert item.attempts == 2
    assert item.next_attempt_at - item.last_attempt_at >= timedelta(seconds=60)  # the second step
    kinds.clear()  # the service is back
    outbox_retry_now(ids=[item.pk])
    assert run_due(queue="default") == (1, 0)
    item.refresh_from_db()
    assert item.done_at is not None and performed == [7]
    assert not outbox_failing().exists()


def test_a_row_whose_kind_is_gone_fails_visibly(db, kinds):
    item = outbox_add(kind="test.record", payload={"n": 1})
    unregister_kind("test.record")
    assert run_due(queue="default") == (0, 1)
    item.refresh_from_db()
    assert "test.record" in item.last_error and item.done_at is None


def test_dedupe_key_skips_a_waiting_row_but_not_one_being_performed(db, kinds):
    first = outbox_add(kind="test.record", payload={"n": 1}, dedupe_key="salon:1")
    assert outbox_add(kind="test.record", payload={"n": 1}, dedupe_key="salon:1") is None
    assert outbox_add(kind="test.record", payload={"n": 2}, dedupe_key="salon:2") is not None
    outbox_claim(queue="default")  # the worker has started on it: it may have read the state already
    again = outbox_add(kind="test.record", payload={"n": 1}, dedupe_key="salon:1")
    assert again is not None and again.pk != first.pk


def test_worker_command_runs_the_default_queue_once(db, kinds):
    outbox_add(kind="test.record", payload={"n": 1})
    outbox_add(kind="test.record", payload={"n": 2})
    outbox_add(kind="test.other_queue", payload={"n": 3})
    call_command("outbox_worker", "--once")
    assert performed == [1, 2]
    assert OutboxItem.objects.filter(done_at__isnull=True).get().kind == "test.other_queue"


def test_done_rows_are_purged_after_the_keep_delay(db, kinds):
    item = outbox_add(kind="test.record", payload={"n": 1})
    waiting = outbox_add(kind="test.flaky", payload={"n": 2})
    run_due(queue="default")
    OutboxItem.objects.filter(pk=item.pk).update(done_at=timezone.now() - timedelta(days=30))
    assert outbox_purge_done(older_than_days=7) == 1
    assert list(OutboxItem.objects.all()) == [waiting]  # never a row still waiting


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_claim_the_same_row(kinds):
    for n in range(60):
        outbox_add(kind="test.record", payload={"n": n})
    barrier = threading.Barrier(3)
    claims = [[] for _ in range(3)]

    def worker(index):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            while batch := outbox_claim(queue="default", limit=5):
                claims[index].extend(i.pk for i in batch)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [pk for claim in claims for pk in claim]
    assert len(everything) == len(set(everything)) == 60
