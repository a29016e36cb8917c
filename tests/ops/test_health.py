"""/healthz (alive, no database), /readyz (database, Redis, storage, task queue; 200/503 with each check's
state and timing) and /ops/metrics (Prometheus text, IT only, 404 for everyone else)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from intranet.ops import readiness

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _db_task(**fields):
    from django_tasks_db.models import DBTaskResult, get_date_max

    row = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="intranet.notifications.tasks.send_notification_emails",
        backend_name="default",
        run_after=get_date_max(),
        **fields,
    )
    return row


def test_healthz_needs_no_database_no_login_and_no_session(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers and not response.cookies


def test_readyz_reports_each_check_with_its_timing(client, settings, django_assert_num_queries):
    """Immediate tasks (tests): database, storage, and Redis when configured; one query (SELECT 1)."""
    with django_assert_num_queries(1):
        response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    expected = {"database", "storage"} | ({"redis"} if settings.REDIS_URL else set())
    assert body["status"] == "ok" and set(body["checks"]) == expected
    assert all(check["ok"] and check["ms"] >= 0 for check in body["checks"].values())
    assert not response.cookies


def test_readyz_with_the_task_queue_checks_the_oldest_due_task(client, settings, django_assert_num_queries):
    settings.TASKS = DB_TASKS
    settings.READYZ_TASK_QUEUE_MAX_AGE = 300
    task = _db_task()
    with django_assert_num_queries(2):  # SELECT 1, then the oldest due task
        assert client.get("/readyz").status_code == 200
    type(task).objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - timedelta(seconds=400))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["task_queue"] == {
        "ok": False,
        "ms": response.json()["checks"]["task_queue"]["ms"],
        "detail": "oldest ready task waits for 400 s",
    }
    # A task scheduled for later is not late: it is due from its run_after.
    type(task).objects.filter(pk=task.pk).update(run_after=timezone.now() - timedelta(seconds=10))
    assert client.get("/readyz").status_code == 200


def test_readyz_storage_that_cannot_be_written_is_not_ready(client, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "media")},
        },
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["storage"]["ok"] is False and checks["database"]["ok"] is True


def test_readyz_redis_down_is_not_ready(client, settings):
    """A Redis that does not answer (a closed loopback port) makes the worker not ready."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == {
        "ok": False,
        "ms": response.json()["checks"]["redis"]["ms"],
        "detail": "ConnectionError",
    }


def test_a_registered_check_joins_readyz(client, monkeypatch):
    """The registry the S3 storage uses for its HEAD on the bucket."""
    monkeypatch.setattr(readiness, "_checks", dict(readiness._checks))
    readiness.register_readiness_check("bucket", lambda: "HEAD 403")
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["bucket"]["detail"] == "HEAD 403"
    readiness.register_readiness_check("bucket", lambda: None)
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "agent", "staff", "wrong_token"])
def test_metrics_are_hidden_from_everyone_but_it(client, make_user, settings, who):
    settings.METRICS_TOKEN = "s3cr3t-scraper-token-0123456789"
    headers = {}
    if who == "agent":
        client.force_login(make_user())
    elif who == "staff":
        client.force_login(make_user(is_staff=True))
    elif who == "wrong_token":
        headers = {"Authorization": "Bearer not-the-token"}
    response = client.get("/ops/metrics", headers=headers)
    assert response.status_code == 404
    # The control: IT gets them.
    client.force_login(make_user(superuser=True))
    assert client.get("/ops/metrics").status_code == 200


def test_metrics_report_outbox_tasks_and_websockets(client, settings, django_assert_num_queries):
    from intranet.outbox.models import OutboxItem

    settings.TASKS = DB_TASKS
    settings.METRICS_TOKEN = "s3cr3t-scraper-token-0123456789"
    OutboxItem.objects.create(kind="mail.send", queue="tasks")
    OutboxItem.objects.create(kind="mail.send", queue="tasks", last_error="SMTP 451")
    OutboxItem.objects.create(kind="mail.send", queue="tasks", done_at=timezone.now())
    _db_task()
    # Outbox (1), task counts (1), oldest due task (1), stalled tasks (1); no session, no user.
    with django_assert_num_queries(4):
        response = client.get(
            "/ops/metrics", headers={"Authorization": "Bearer s3cr3t-scraper-token-0123456789"}
        )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert 'intranet_outbox_backlog{queue="tasks"} 2' in text
    assert 'intranet_outbox_failing{queue="tasks"} 1' in text
    assert "# TYPE intranet_outbox_oldest_age_seconds gauge" in text
    assert 'intranet_tasks{status="ready"} 1' in text and 'intranet_tasks{status="running"} 0' in text
    assert "intranet_task_queue_age_seconds " in text and "intranet_tasks_stalled 0" in text
    assert 'intranet_websockets_open{pid="' in text
