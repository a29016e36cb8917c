"""The « À viser » panel of the home page (cached per agent, stale at once after a submission or a decision),
and a document put in the trash stops its circuit like a new version does."""

import pytest

from ged.actions import document_trash
from ged.circuits.actions import step_approve
from ged.circuits.choices import CircuitStatus, StepStatus
from intranet.news.actions import home_page_ensure
from intranet.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(client, host_org):
    home_page_ensure()

    logged = {}

    def get(user):
        if logged.get("user") != user.pk:  # a new login writes a session: only when the agent changes
            client.force_login(user)
            logged["user"] = user.pk
        response = client.get("/")
        assert response.status_code == 200
        html = response.content.decode()
        if 'id="panel-circuits_todo"' not in html:
            return None
        return html.split('id="panel-circuits_todo"')[1].split("</section>")[0]

    return get


def test_panel_shows_a_submission_and_a_decision_on_the_next_home_page(
    home, submit, people, doc, django_assert_num_queries
):
    assert home(people["submitter"]) is None  # acts for no desk: no panel
    before = home(people["dgs"])
    assert "Aucun document n'attend" in before
    home(people["fin1"])
    circuit = submit()
    panel = home(people["fin1"])
    assert f"/parapheur/circuit/{circuit.pk}/" in panel and "1 document vous attend" in panel
    with django_assert_num_queries(3):  # warm: session, user, home page; the panel comes from the cache
        assert home(people["fin1"]) == panel
    step_approve(circuit=circuit, actor=people["fin1"])
    assert "Aucun document n'attend" in home(people["fin1"])  # fin1 decided: no longer waiting for them
    step_approve(circuit=circuit, actor=people["fin2"])
    assert f"/parapheur/circuit/{circuit.pk}/" in home(people["dgs"])


def test_panel_counts_late_steps(home, submit, people):
    circuit = submit()
    step = circuit.steps.get(position=1)
    step.due_at = step.started_at.replace(year=step.started_at.year - 1)
    step.save(update_fields=["due_at"])
    assert "1 en retard" in home(people["fin2"])


def test_trash_stops_the_circuit_and_tells_the_submitter(submit, people, doc, manager, grant, space):
    from ged.choices import Role

    grant(space.root, Role.MANAGER, user=manager)
    circuit = submit()
    document_trash(document=doc, actor=manager)
    circuit.refresh_from_db()
    assert circuit.status == CircuitStatus.STOPPED and "corbeille" in circuit.stop_reason
    assert set(circuit.steps.values_list("status", flat=True)) == {StepStatus.CANCELLED}
    assert Notification.objects.filter(recipient=people["submitter"], verb="ged.circuit.stopped").exists()


def test_trash_without_circuit_changes_nothing(people, doc, manager, grant, space, submit):
    from ged.choices import Role

    grant(space.root, Role.MANAGER, user=manager)
    circuit = submit()
    step_approve(circuit=circuit, actor=people["fin1"])
    step_approve(circuit=circuit, actor=people["fin2"])
    step_approve(circuit=circuit, actor=people["dgs"])
    document_trash(document=doc, actor=manager)
    circuit.refresh_from_db()
    assert circuit.status == CircuitStatus.APPROVED and circuit.stop_reason == ""
