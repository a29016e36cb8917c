"""The production shape, proven through nginx (issue 15): scripts/shape.py brings up nginx (the one template,
rendered by scripts/render_nginx.py), two uvicorn workers, redis-server, db_worker, on pytest's PostgreSQL
database; every request below goes through nginx over HTTPS. Worker A is the first, B the second; a test
reaches one of them alone through its pinned port (the same nginx server, proxying to that worker only)."""

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from .conftest import csrf_headers, login, ws_options, ws_url

pytestmark = pytest.mark.django_db(transaction=True)
A, B = 0, 1


def _access_log(shape) -> list[str]:
    return (shape.workdir / "nginx" / "logs" / "access.log").read_text().splitlines()


def _log_line(shape, request_id: str) -> str:
    # nginx writes the line once the answer is sent: the client may read it a moment before.
    deadline = time.monotonic() + 5
    while not (lines := [line for line in _access_log(shape) if f"rid={request_id}" in line]):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(lines) == 1, lines
    return lines[0]


def _space_with_reader(marie, paul):
    from ged.actions import grant_set, space_create
    from ged.choices import Role

    space = space_create(name="Urbanisme", slug="urbanisme", creator=marie)
    grant_set(folder=space.root, role=Role.READER, user=paul, actor=marie, notify_grantee=False)
    return space


def _upload(session, base, folder, name: str, data: bytes) -> str:
    response = session.post(
        f"{base}/documents/dossier/{folder.pk}/deposer/",
        files={"files": (name, data, "text/plain")},
        headers={**csrf_headers(session, base), "Accept": "application/json"},
        timeout=60,
    )
    assert response.status_code == 201, (response.status_code, response.text[:500])
    return response.json()["documents"][0]["url"]


def test_agent_logs_in_through_nginx_over_https(shape, agents):
    marie, _paul = agents
    anonymous = requests.get(
        f"{shape.url}/", verify=str(shape.certificate), allow_redirects=False, timeout=30
    )
    assert anonymous.status_code == 302 and "/connexion/" in anonymous.headers["Location"]
    session = login(shape, marie)
    assert session.cookies._cookies["127.0.0.1"]["/"]["sessionid"].secure  # production settings: HTTPS only
    home = session.get(f"{shape.url}/discussions/", timeout=30)
    assert home.status_code == 200 and "Marie Dupont" in home.text
    # nginx gives each request an id, passes it to the worker and returns it.
    assert re.fullmatch(r"[0-9a-f]{32}", home.headers["X-Request-ID"])
    assert 'up="127.0.0.1:' in _log_line(shape, home.headers["X-Request-ID"])
    # Static files come from nginx (collectstatic's hashed names), not from a worker.
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', home.text).group(1)
    css = session.get(f"{shape.url}{stylesheet}", timeout=30)
    assert css.status_code == 200 and css.headers["X-Content-Type-Options"] == "nosniff"
    assert css.headers["Cache-Control"] == "max-age=2592000"  # nginx's `expires 30d`, not WhiteNoise's
    # X-Forwarded-Proto is what tells the worker the request was HTTPS: without it, a redirect to HTTPS.
    direct = requests.get(
        f"http://127.0.0.1:{shape.worker_ports[A]}/", headers={"Host": "127.0.0.1"}, allow_redirects=False
    )
    assert direct.status_code == 301 and direct.headers["Location"].startswith("https://")


def test_chat_message_posted_on_worker_a_reaches_a_socket_held_by_worker_b(shape, agents):
    import websockets

    from chat.actions import salon_create
    from chat.models import Message

    marie, paul = agents
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul])
    on_a, on_b = shape.pinned_url(A), shape.pinned_url(B)
    marie_session, paul_session = login(shape, marie, on_a), login(shape, paul, on_b)
    path = f"/ws/chat/{salon.pk}/"

    async def scenario():
        async with (
            websockets.connect(ws_url(on_a, path), **ws_options(shape, marie_session, on_a)) as marie_ws,
            websockets.connect(ws_url(on_b, path), **ws_options(shape, paul_session, on_b)) as paul_ws,
        ):
            await marie_ws.send(json.dumps({"type": "post", "text": "Posté sur le processus A"}))
            while True:
                event = json.loads(await asyncio.wait_for(paul_ws.recv(), 15))
                if event.get("type") == "message":
                    return event

    event = asyncio.run(scenario())
    assert event["text"] == "Posté sur le processus A"
    assert list(Message.objects.filter(salon=salon).values_list("pk", flat=True)) == [event["id"]]


def test_notification_created_by_the_task_worker_reaches_pages_on_both_workers(shape, agents, settings):
    import websockets
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from intranet.notifications.models import Notification

    from .tasks import notify_agent

    _marie, paul = agents
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sessions = [login(shape, paul, shape.pinned_url(w)) for w in (A, B)]

    async def scenario():
        sockets = [
            await websockets.connect(
                ws_url(shape.pinned_url(w), "/ws/notifications/"),
                **ws_options(shape, sessions[w], shape.pinned_url(w)),
            )
            for w in (A, B)
        ]
        try:
            # Enqueued in the database; db_worker (its own process) runs it and pushes through Redis.
            result = await asyncio.to_thread(notify_agent.enqueue, paul.pk, "Votre dossier est prêt")
            try:
                events = [json.loads(await asyncio.wait_for(s.recv(), 60)) for s in sockets]
            except TimeoutError:
                raise AssertionError(f"no push; db_worker said:\n{shape.log_tail('db_worker')}") from None
            return result, events
        finally:
            for s in sockets:
                await s.close()

    result, events = asyncio.run(scenario())
    for event in events:
        assert (
            event["kind"] == "created" and event["text"] == "Votre dossier est prêt" and event["unread"] == 1
        )
    notification = Notification.objects.get(recipient=paul)
    assert {e["id"] for e in events} == {notification.pk}
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL and row.worker_ids  # run by db_worker, not here


def _wait_for(predicate, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return value


def test_task_worker_killed_mid_job_runs_it_again_with_its_effect_once(shape, agents, settings):
    """db_worker is killed (SIGKILL) while a job runs, after the job's effect committed. The job stays
    « running » until the reaper (the unit's ExecStartPre, and its timer) finds its lease expired and puts it
    back in the queue; the new worker runs it again, and the agent is notified once."""
    import uuid

    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from intranet.notifications.models import Notification
    from intranet.ops.models import TaskLease

    from .tasks import notify_once_then_hold

    _marie, paul = agents
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    hold = shape.workdir / f"hold-{uuid.uuid4().hex}"
    hold.touch()
    result = notify_once_then_hold.enqueue(f"shape-test:{hold.name}", paul.pk, "Rapport prêt", str(hold))
    row = DBTaskResult.objects.filter(pk=result.id)
    _wait_for(lambda: row.get().status == TaskResultStatus.RUNNING, "the job to start")
    _wait_for(lambda: Notification.objects.filter(recipient=paul).exists(), "the job's effect")
    assert TaskLease.objects.filter(task_id=result.id).exists()
    shape.kill_task_worker()
    hold.unlink()
    time.sleep(4)  # past the lease (TASKS_LEASE_SECONDS=3): nobody renews it any more
    assert row.get().status == TaskResultStatus.RUNNING  # nothing re-queues it by itself
    shape.start_task_worker(reap=True)
    done = _wait_for(lambda: row.filter(status=TaskResultStatus.SUCCESSFUL).first(), "the second run")
    assert len(done.worker_ids) == 2  # two runs, by two workers
    assert Notification.objects.filter(recipient=paul, text="Rapport prêt").count() == 1
    assert not TaskLease.objects.filter(task_id=result.id).exists()


def test_document_uploaded_through_a_downloads_through_b_with_nginx_sending_the_bytes(shape, agents):
    marie, paul = agents
    space = _space_with_reader(marie, paul)
    data = (bytes(range(32, 127)) * 40_000)[:3_000_001]  # 3 MB of text
    document_url = _upload(
        login(shape, marie, shape.pinned_url(A)), shape.pinned_url(A), space.root, "plan.txt", data
    )
    on_b = shape.pinned_url(B)
    paul_session = login(shape, paul, on_b)
    download = paul_session.get(f"{on_b}{document_url}telecharger/", timeout=60)
    assert download.status_code == 200 and download.content == data
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert "plan.txt" in download.headers["Content-Disposition"]
    assert "X-Accel-Redirect" not in download.headers
    # The access log of that very request: worker B answered, with an empty body; nginx sent the 3 MB.
    line = _log_line(shape, download.headers["X-Request-ID"])
    assert f'up="127.0.0.1:{shape.worker_ports[B]}"' in line and " ub=0 " in line
    assert f" 200 {len(data)} " in line
    # Range comes with nginx's static module.
    part = paul_session.get(
        f"{on_b}{document_url}telecharger/", headers={"Range": "bytes=1000-1999"}, timeout=30
    )
    assert part.status_code == 206 and part.content == data[1000:2000]
    # The internal location is not reachable from outside.
    from ged.models import Version

    blob = Version.objects.get(document__folder=space.root).blob_id
    outside = paul_session.get(f"{on_b}/_ged_blobs/{blob[:2]}/{blob[2:4]}/{blob}", timeout=30)
    assert outside.status_code == 404


def _post_message(session, base, salon, text):
    response = session.post(
        f"{base}/discussions/{salon.pk}/envoyer/",
        data={"text": text},
        headers=csrf_headers(session, base),
        allow_redirects=False,
        timeout=60,
    )
    return response


def test_worker_killed_while_requests_wait_on_it_loses_nothing_and_only_idempotent_ones_move_on(
    shape, agents
):
    """Worker A hangs (SIGSTOP), requests reach it through the shared door, then it is killed (SIGKILL).
    nginx passes the GET that A never answered to B; it does not pass on the POST (it may have been
    performed), which fails with 502 and, A having never read it, was not performed. What was committed
    stays."""
    from chat.actions import salon_create
    from chat.models import Message

    marie, paul = agents
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul])
    session = login(shape, marie)
    assert _post_message(session, shape.url, salon, "Avant la panne").status_code == 302
    pid = shape.worker_pid(A)
    os.kill(pid, signal.SIGSTOP)  # A reads nothing more: the requests sent to it wait
    try:
        with ThreadPoolExecutor(4) as pool:
            futures = []
            # Round robin with equal weights alternates: of two requests in a row, one goes to A.
            for call in (
                lambda: session.get(f"{shape.url}/discussions/{salon.pk}/", timeout=60),
                lambda: session.get(f"{shape.url}/discussions/{salon.pk}/", timeout=60),
                lambda: _post_message(session, shape.url, salon, "Message 1"),
                lambda: _post_message(session, shape.url, salon, "Message 2"),
            ):
                futures.append(pool.submit(call))
                time.sleep(0.3)
            time.sleep(1)
            shape.kill_worker(A)
            responses = [f.result() for f in futures]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    a, b = f"127.0.0.1:{shape.worker_ports[A]}", f"127.0.0.1:{shape.worker_ports[B]}"
    outcomes = []
    for response, kind in zip(responses, ("GET", "GET", "POST", "POST"), strict=True):
        line = _log_line(shape, response.headers["X-Request-ID"])
        outcomes.append((kind, re.search(r'up="([^"]*)"', line).group(1), response.status_code))
    # Round robin sent requests to the hung worker A; each came out one of these ways, never another:
    # - on a connection A's dead process had accepted: the GET passed to B (« A, B », 200), the POST not
    #   passed on (502) and not performed;
    # - still queued on the port gunicorn's master keeps listening on: served by A's new process.
    allowed = {
        ("GET", f"{a}, {b}", 200),
        ("GET", a, 200),
        ("GET", b, 200),
        ("POST", a, 502),
        ("POST", a, 302),
        ("POST", b, 302),
    }
    assert set(outcomes) <= allowed, outcomes
    assert any(up.startswith(a) for _k, up, _s in outcomes), outcomes  # A really had requests waiting
    texts = list(Message.objects.filter(salon=salon).order_by("pk").values_list("text", flat=True))
    performed = sorted(
        text
        for (kind, _up, status), text in zip(outcomes, (None, None, "Message 1", "Message 2"), strict=True)
        if kind == "POST" and status == 302
    )
    # Exactly the POSTs answered 302 were performed, once; what was committed before is still there.
    assert texts[0] == "Avant la panne" and sorted(texts[1:]) == performed, (texts, outcomes)
    # The next requests succeed (on B while nginx leaves A aside, then on A's new process).
    for _ in range(3):
        assert session.get(f"{shape.url}/discussions/{salon.pk}/", timeout=60).status_code == 200


def test_worker_killed_mid_upload_commits_nothing_half_written(shape, agents):
    """SIGKILL of worker A while a document's body streams into it (no request buffering on upload routes):
    the client gets 502, no document or version row exists, the documents committed before are whole."""
    from ged.models import Document, Version

    marie, paul = agents
    space = _space_with_reader(marie, paul)
    on_a = shape.pinned_url(A)
    session = login(shape, marie, on_a)
    before = b"Deja enregistre\n" * 10_000
    document_url = _upload(session, on_a, space.root, "avant.txt", before)
    boundary = "----shape-test-boundary"
    body_head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="coupe.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    payload = b"x" * 8_000_000
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(body_head) + len(payload) + len(tail)
    request = (
        f"POST /documents/dossier/{space.root.pk}/deposer/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n"
        f"Cookie: sessionid={session.cookies['sessionid']}; csrftoken={session.cookies['csrftoken']}\r\n"
        f"X-CSRFToken: {session.cookies['csrftoken']}\r\nReferer: {on_a}/\r\nAccept: application/json\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    context = ssl.create_default_context(cafile=str(shape.certificate))
    raw = socket.create_connection(("127.0.0.1", shape.pinned_ports[A]), timeout=60)
    with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(request + body_head + payload[:4_000_000])
        # Wait until the worker has started writing the body into the store's tmp dir.
        tmp = shape.ged_storage_root / "tmp"
        deadline = time.monotonic() + 30
        while not any(p.stat().st_size > 0 for p in tmp.glob("*.part")) if tmp.exists() else True:
            assert time.monotonic() < deadline, "the upload never reached the worker"
            time.sleep(0.05)
        shape.kill_worker(A)
        with contextlib.suppress(OSError):  # nginx may close the connection at once
            tls.sendall(payload[4_000_000:] + tail)
        answer = b""
        try:
            while chunk := tls.recv(65536):
                answer += chunk
        except OSError:
            pass
    assert answer.startswith(b"HTTP/1.1 502"), answer[:200]
    assert list(Document.objects.filter(folder=space.root).values_list("title", flat=True)) == ["avant.txt"]
    assert Version.objects.filter(document__folder=space.root).count() == 1
    shape.wait_worker(A)  # gunicorn has started a new process
    paul_session = login(shape, paul, shape.pinned_url(B))
    assert paul_session.get(f"{shape.pinned_url(B)}{document_url}telecharger/", timeout=30).content == before


def test_redis_restarted_during_a_broadcast_every_client_receives_or_catches_up(shape, agents):
    """Six pages (three per worker) in a salon while 30 messages are posted through nginx and Redis is killed
    and started again in the middle. A page does what chat.js does: on « resync », or after reconnecting
    when its socket closed, it sends « resume » with the last id it has. In the end every page has every
    message the database holds."""
    import websockets
    from django.utils import timezone

    from chat.actions import salon_create
    from chat.models import Message

    marie, paul = agents
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul])
    sessions = {w: login(shape, paul, shape.pinned_url(w)) for w in (A, B)}
    poster = login(shape, marie)
    path = f"/ws/chat/{salon.pk}/"
    statuses = []

    class Page:
        def __init__(self, worker):
            self.worker = worker
            self.ids: set[int] = set()
            self.since = timezone.now().isoformat()
            self.reconnects = self.resyncs = 0

        async def run(self, stop: asyncio.Event):
            base = shape.pinned_url(self.worker)
            first = True
            while not stop.is_set():
                try:
                    async with websockets.connect(
                        ws_url(base, path), **ws_options(shape, sessions[self.worker], base)
                    ) as ws:
                        if not first:
                            self.reconnects += 1
                            await self.resume(ws)
                        first = False
                        while not stop.is_set():
                            try:
                                event = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                            except TimeoutError:
                                continue
                            if event.get("type") == "message":
                                self.ids.add(event["id"])
                            elif event.get("type") == "resync":
                                self.resyncs += 1
                                await self.resume(ws)
                            elif event.get("type") == "resume":
                                self.ids.update(m["id"] for m in event["messages"])
                                self.since = event.get("since") or self.since
                                if event.get("more"):
                                    await self.resume(ws)
                except (OSError, websockets.ConnectionClosed, websockets.InvalidStatus):
                    await asyncio.sleep(0.5)

        async def resume(self, ws):
            after = max(self.ids) if self.ids else None
            await ws.send(json.dumps({"type": "resume", "after": after, "since": self.since}))

    def post_all():
        for i in range(30):
            if i == 10:
                shape.stop_redis()
            if i == 14:
                shape.start_redis()
            try:
                statuses.append(_post_message(poster, shape.url, salon, f"Diffusion {i}").status_code)
            except requests.RequestException as exc:
                statuses.append(repr(exc))
            time.sleep(0.15)

    async def scenario():
        stop = asyncio.Event()
        pages = [Page(w) for w in (A, B, A, B, A, B)]
        tasks = [asyncio.create_task(p.run(stop)) for p in pages]
        await asyncio.sleep(1.5)  # every page connected
        await asyncio.to_thread(post_all)
        expected = set(
            await asyncio.to_thread(
                lambda: list(Message.objects.filter(salon=salon).values_list("pk", flat=True))
            )
        )
        deadline = time.monotonic() + 45
        while any(not expected <= p.ids for p in pages) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        stop.set()
        await asyncio.gather(*tasks)
        return expected, pages

    expected, pages = asyncio.run(scenario())
    assert len(expected) >= 20, statuses  # most posts committed (during the outage some may be refused)
    report = [(p.worker, sorted(expected - p.ids), p.resyncs, p.reconnects) for p in pages]
    assert all(not missing for _w, missing, _r, _c in report), (sorted(expected), report, statuses)
    # Live delivery had a gap: the pages were told to catch up, or reconnected.
    assert all(p.resyncs + p.reconnects > 0 for p in pages), [(p.resyncs, p.reconnects) for p in pages]


def test_webdav_through_nginx_with_an_app_password(shape, agents):
    """/dav/ through the shape's nginx over HTTPS, served by its own process (manage.py dav_serve): an agent
    with an app password lists its space, PUTs a new document then a new version, GETs it back; without
    credentials, 401."""
    from ged.actions import space_create
    from ged.models import Document, Version
    from intranet.people.app_passwords import create_app_password

    marie, _paul = agents
    space = space_create(name="Urbanisme", slug="urbanisme", creator=marie)
    _app_password, secret = create_app_password(marie, "PC du bureau")
    dav = requests.Session()
    dav.trust_env = False
    dav.verify = str(shape.certificate)
    dav.auth = (marie.username, secret)
    root = f"{shape.url}/dav/urbanisme/"

    anonymous = requests.request(
        "PROPFIND", root, headers={"Depth": "1"}, verify=str(shape.certificate), timeout=30
    )
    assert anonymous.status_code == 401 and "Basic" in anonymous.headers.get("WWW-Authenticate", "")
    wrong = requests.request(
        "PROPFIND", root, headers={"Depth": "1"}, auth=(marie.username, "pas-le-bon"),
        verify=str(shape.certificate), timeout=30,
    )  # fmt: skip
    assert wrong.status_code == 401

    first, second = b"Compte rendu, version 1\n" * 5000, b"Compte rendu, version 2\n" * 6000
    assert dav.put(f"{root}compte-rendu.txt", data=first, timeout=60).status_code == 201
    listing = dav.request("PROPFIND", root, headers={"Depth": "1"}, timeout=30)
    assert listing.status_code == 207 and "compte-rendu.txt" in listing.text
    assert dav.put(f"{root}compte-rendu.txt", data=second, timeout=60).status_code == 204
    got = dav.get(f"{root}compte-rendu.txt", timeout=60)
    assert got.status_code == 200 and got.content == second
    document = Document.objects.get(folder=space.root)
    assert document.title == "compte-rendu.txt"
    assert Version.objects.filter(document=document).count() == 2
    # Every DAV request went to the DAV process (its own port), none to an ASGI worker.
    up = re.search(r'up="([^"]*)"', _log_line(shape, got.headers["X-Request-ID"])).group(1)
    assert up == f"127.0.0.1:{shape.dav_port}"
    assert b"dav_serve" in Path(f"/proc/{shape.processes['dav'].pid}/cmdline").read_bytes()

    # Windows' probes of the server root reach the DAV process too; the home page stays the workers'.
    def upstream(response):
        return re.search(r'up="([^"]*)"', _log_line(shape, response.headers["X-Request-ID"])).group(1)

    options = requests.request("OPTIONS", f"{shape.url}/", verify=str(shape.certificate), timeout=30)
    assert options.status_code == 200 and options.headers.get("DAV") == "1, 2"
    assert upstream(options) == f"127.0.0.1:{shape.dav_port}"
    probe = requests.request(
        "PROPFIND", f"{shape.url}/", headers={"Depth": "1"}, verify=str(shape.certificate), timeout=30
    )
    assert probe.status_code == 207 and "<D:multistatus" in probe.text and "/dav/" in probe.text
    assert upstream(probe) == f"127.0.0.1:{shape.dav_port}"
    home = requests.get(f"{shape.url}/", verify=str(shape.certificate), timeout=30, allow_redirects=False)
    assert home.status_code in (200, 302) and upstream(home) != f"127.0.0.1:{shape.dav_port}"


def test_s3_document_uploaded_through_a_downloads_through_b_relayed_by_nginx_or_presigned(s3_shape, agents):
    """Blobs in SeaweedFS S3. Uploaded through worker A, downloaded through worker B: B answers an empty
    X-Accel-Redirect that nginx relays to the bucket (ub « 0 : size »). Worker A answers a bodiless 302 to a
    presigned GET of the bucket. The store refuses an unsigned GET and the presigned one once expired."""
    from ged.models import Version

    marie, paul = agents
    shape = s3_shape
    space = _space_with_reader(marie, paul)
    data = (bytes(range(32, 127)) * 40_000)[:3_000_001]
    on_a, on_b = shape.pinned_url(A), shape.pinned_url(B)
    document_url = _upload(login(shape, marie, on_a), on_a, space.root, "plan.txt", data)
    blob = Version.objects.get(document__folder=space.root).blob_id
    key = f"ged/blobs/{blob[:2]}/{blob[2:4]}/{blob}"
    stored = shape.seaweed.client().head_object(Bucket=shape.seaweed.bucket, Key=key)
    assert stored["ContentLength"] == len(data)
    assert not list((shape.ged_storage_root / "blobs").glob("*/*/*"))  # nothing on the local disk

    # Worker B: X-Accel-Redirect, nginx relays the signed GET to the bucket.
    paul_b = login(shape, paul, on_b)
    download = paul_b.get(f"{on_b}{document_url}telecharger/", timeout=60)
    assert download.status_code == 200 and download.content == data
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert "plan.txt" in download.headers["Content-Disposition"]
    assert "X-Accel-Redirect" not in download.headers
    line = _log_line(shape, download.headers["X-Request-ID"])
    s3_address = shape.seaweed.endpoint_url.removeprefix("http://")
    assert f'up="127.0.0.1:{shape.worker_ports[B]} : {s3_address}"' in line, line
    assert f" ub=0 : {len(data)} " in line, line  # the worker sent nothing, the store the whole file
    part = paul_b.get(f"{on_b}{document_url}telecharger/", headers={"Range": "bytes=1000-1999"}, timeout=30)
    assert part.status_code == 206 and part.content == data[1000:2000]
    outside = paul_b.get(f"{on_b}/_s3/{shape.seaweed.bucket}/{key}", timeout=30)
    assert outside.status_code == 404  # the relay location is internal

    # Worker A: a presigned redirect, the bytes straight from the store.
    paul_a = login(shape, paul, on_a)
    redirect = paul_a.get(f"{on_a}{document_url}telecharger/", allow_redirects=False, timeout=60)
    assert redirect.status_code == 302 and redirect.headers["Cache-Control"] == "no-store"
    location = redirect.headers["Location"]
    assert location.startswith(f"{shape.seaweed.endpoint_url}/{shape.seaweed.bucket}/{key}?")
    line = _log_line(shape, redirect.headers["X-Request-ID"])
    assert f'up="127.0.0.1:{shape.worker_ports[A]}"' in line and " ub=0 " in line, line
    direct = requests.get(location, timeout=60)
    assert direct.status_code == 200 and direct.content == data
    assert "plan.txt" in direct.headers["Content-Disposition"]
    # The identity file is in force: no anonymous read; the signed URL dies after S3_PRESIGN_SECONDS.
    assert shape.seaweed.unsigned_get(key) == 403
    time.sleep(4)
    assert requests.get(location, timeout=30).status_code == 403
