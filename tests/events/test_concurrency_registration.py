"""Registration holds the event's row lock: 20 agents registering at once for 5 places end as 5 registered
and 15 waiting, never more registered than places (PostgreSQL: SQLite serialises writes by itself and its
shared in-memory test database fails table locks at once instead of waiting)."""

import threading

import pytest
from django.db import connection, connections

from events.actions import registration_create
from events.choices import RegistrationStatus
from events.models import Registration

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; see docstring")
def test_twenty_agents_for_five_places(territory, publish_event, make_user):
    event = publish_event(capacity=5)
    agents = [make_user(f"racer{i}") for i in range(20)]
    barrier = threading.Barrier(len(agents))
    results: list = [None] * len(agents)

    def worker(i):
        try:
            barrier.wait(timeout=30)
            results[i] = registration_create(event=event, user=agents[i]).status
        except Exception as exc:  # noqa: BLE001  (reported by the assertion)
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(agents))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(results) == sorted(["registered"] * 5 + ["waiting"] * 15), results
    assert Registration.objects.filter(event=event, status=RegistrationStatus.REGISTERED).count() == 5
    assert Registration.objects.filter(event=event, status=RegistrationStatus.WAITING).count() == 15
