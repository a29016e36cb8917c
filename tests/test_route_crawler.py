"""Every route, as every role, with hostile values: never a server error, and refusals in French (issue 14).

The HTTP crawl walks every URL pattern of the project (tests/route_crawler.py) over the demo territory as
an anonymous visitor, an agent, a head of department and IT: real values found by a small spider, then
each path value, query parameter, header and body replaced by a hostile one. Sampling is seeded, so a
failure comes back on the next run; PostgreSQL gets a larger sample than SQLite.
"""

import io
import logging
import time
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from .route_crawler import Crawler, QueryParamRecorder

SEED = 14
ROLES = {
    "anonymous": None,
    "agent": "marine.petit",
    "head of department": "helene.lefebvre",
    "IT": "admin.si",
}


def _budget():
    if connection.vendor == "postgresql":
        return {"per_route": 6, "third_party": 15, "costly_per_role": 2, "discovery": 40}
    return {"per_route": 4, "third_party": 10, "costly_per_role": 2, "discovery": 30}


@contextmanager
def _quiet_request_log():
    """Thousands of refused requests would each log a warning; failures are collected and shown instead."""
    logger = logging.getLogger("django")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@pytest.mark.django_db
def test_every_route_as_every_role_answers_below_500_in_french(capsys):
    from intranet.people.models import User

    call_command("seed_demo", force=True, stdout=io.StringIO())
    budget = _budget()
    started = time.monotonic()
    lines = []
    with QueryParamRecorder() as recorder, _quiet_request_log():
        crawler = Crawler(
            recorder,
            per_route=budget["per_route"],
            third_party=budget["third_party"],
            costly_per_role=budget["costly_per_role"],
            seed=SEED,
        )
        for role, username in ROLES.items():
            client = Client(raise_request_exception=False)
            if username:
                client.force_login(User.objects.get(username=username))
            before, role_started = crawler.sent, time.monotonic()
            crawler.crawl(client, role, budget["discovery"])
            lines.append(
                f"  {role}: {crawler.sent - before} requests in {time.monotonic() - role_started:.1f} s"
            )
    own = sum(not route.third_party for route in crawler.routes)
    with capsys.disabled():
        print(
            f"\nroute crawler ({connection.vendor}): {own} project routes and "
            f"{len(crawler.routes) - own} third-party ones, {len(ROLES)} roles, "
            f"{crawler.sent} requests in {time.monotonic() - started:.1f} s",
            *lines,
            "  statuses: " + ", ".join(f"{status}×{n}" for status, n in sorted(crawler.statuses.items())),
            "  slowest: "
            + "; ".join(
                f"{seconds:.2f} s {case.method} {case.url[:60]} ({case.what})"
                for seconds, _r, case in crawler.slowest
            ),
            f"  failures: {len(crawler.failures)}",
            sep="\n",
        )
    assert not crawler.failures, crawler.report()


async def _socket_case(path, headers, frames, binary_frames):
    """Connect, send every frame, read what comes back; returns how it ended, or raises what the consumer
    raised (a crash)."""
    from channels.testing import WebsocketCommunicator

    from intranet.asgi import application

    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    if not connected:
        await communicator.disconnect(timeout=5)  # raises what the consumer raised, if it did
        return f"refused ({code})"
    for frame in [*frames, *binary_frames]:
        await communicator.send_input(
            {"type": "websocket.receive", "bytes": frame}
            if isinstance(frame, bytes)
            else {"type": "websocket.receive", "text": frame}
        )
        while not await communicator.receive_nothing(timeout=0.05):
            output = await communicator.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                await communicator.wait(timeout=5)
                return f"closed ({output.get('code')})"
    await communicator.disconnect(timeout=5)
    return "open"


@pytest.mark.django_db(transaction=True)
async def test_every_websocket_route_as_every_role_closes_with_a_code_and_never_crashes(make_user):
    """Each socket route (and an unknown one) with hostile path values, a foreign Origin and hostile
    frames: refused or closed with a code, or still open, never an exception in the consumer."""
    import random

    from asgiref.sync import sync_to_async

    from chat.actions import salon_create
    from intranet.fanout import close_all

    from .route_crawler import HOSTILE_BINARY_FRAMES, HOSTILE_FRAMES, build, hostile_values, websocket_routes

    agent = await sync_to_async(make_user)("marine.petit")
    head = await sync_to_async(make_user)("helene.lefebvre")
    it = await sync_to_async(make_user)("admin.si", superuser=True)
    salon = await sync_to_async(salon_create)(name="Projet PLUi", creator=head, members=[agent])
    users = {"anonymous": None, "agent": agent, "head of department": head, "IT": it}
    rng = random.Random(SEED)
    routes = websocket_routes()
    unknown = ["/ws/nulle-part/", "/ws/chat/abc/", "/ws/chat/%ED%A0%80/", "/ws/" + "a" * 10240 + "/"]
    failures, outcomes, started = [], {}, time.monotonic()
    for role, user in users.items():
        headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
        if user is not None:
            client = Client()
            await sync_to_async(client.force_login)(user)
            headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
        cases = []
        for route in routes:
            valid = {slot: str(salon.pk) for slot in route.kinds}
            cases.append((build(route, valid), headers, HOSTILE_FRAMES, HOSTILE_BINARY_FRAMES))
            cases.append((build(route, valid), [(b"origin", b"http://evil.example"), *headers[1:]], [], []))
            for slot, kind in route.kinds.items():
                for value in rng.sample(hostile_values(kind), 5):
                    cases.append((build(route, {**valid, slot: value}), headers, HOSTILE_FRAMES[:3], []))
        cases += [(path, headers, [], []) for path in unknown]
        for path, case_headers, frames, binary_frames in cases:
            try:
                outcome = await _socket_case(path, case_headers, frames, binary_frames)
            except Exception as exc:  # an exception in the consumer (or the router): a crash
                failures.append(f"[{role}] {path[:100]}: {exc!r}"[:300])
                outcome = "crash"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    await close_all()
    print(
        f"\nwebsocket crawler: {len(routes)} routes + {len(unknown)} unknown paths, {len(users)} roles, "
        f"{sum(outcomes.values())} connections in {time.monotonic() - started:.1f} s: "
        + ", ".join(f"{outcome}×{n}" for outcome, n in sorted(outcomes.items()))
    )
    assert not failures, "\n".join(failures)
