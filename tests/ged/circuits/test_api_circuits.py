"""/api/v1/circuits/: the same actions and permission functions as the parapheur's pages; forbidden and
missing alike 404, a changed state 409, a refused value 400, every refusal with a French `detail`."""

import datetime

import pytest
from django.utils import timezone

from ged.actions import version_create
from ged.circuits.actions import delegation_create, step_approve
from ged.circuits.models import Circuit

pytestmark = pytest.mark.django_db

API = "/api/v1/circuits"


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _refused(response, status):
    assert response.status_code == status, response.content
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]
    return response.json()["detail"]


def test_submit_through_the_api_starts_the_circuit(client, doc, template, people):
    doc.refresh_from_db()
    client.force_login(people["submitter"])
    response = _post(
        client, f"{API}/", {"document": doc.pk, "template": template.pk, "version": doc.current_version_id}
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "in_progress" and data["version"]["sha256"] == doc.current_version.blob_id
    assert [s["status"] for s in data["steps"]] == ["active", "waiting"]
    assert Circuit.objects.get(pk=data["id"]).submitter == people["submitter"]
    # a second submission: the document is already in a circuit
    again = _post(client, f"{API}/", {"document": doc.pk, "template": template.pk})
    assert "déjà dans un circuit" in _refused(again, 409)


def test_submit_refusals(client, doc, template, people, upload, space):
    doc.refresh_from_db()
    old = doc.current_version
    version_create(document=doc, uploaded_file_or_path=_file(b"%PDF-1.4 v2"), author=people["submitter"])
    client.force_login(people["outsider"])
    unreadable = _post(client, f"{API}/", {"document": doc.pk, "template": template.pk})
    missing = _post(client, f"{API}/", {"document": 99999999, "template": template.pk})
    assert _refused(unreadable, 404) == _refused(missing, 404)
    client.force_login(people["submitter"])
    stale = _post(client, f"{API}/", {"document": doc.pk, "template": template.pk, "version": old.pk})
    assert "version actuelle" in _refused(stale, 409)
    template.active = False
    template.save()
    assert "modèle" in _refused(_post(client, f"{API}/", {"document": doc.pk, "template": template.pk}), 400)
    template.active = True
    template.save()
    # the valid request, to prove the refusals were for their stated reasons
    assert _post(client, f"{API}/", {"document": doc.pk, "template": template.pk}).status_code == 201


def _file(data):
    import io

    f = io.BytesIO(data)
    f.name = "Délibération budget.pdf"
    return f


def test_my_circuits_lists_submitted_and_to_act_with_delegations(
    client, submit, people, django_assert_num_queries
):
    circuit = submit()
    client.force_login(people["submitter"])
    data = client.get(f"{API}/").json()
    assert [c["id"] for c in data["submitted"]] == [circuit.pk] and data["to_act"] == []
    assert data["submitted"][0]["active_step"]["desk"] == "Direction des finances"
    client.force_login(people["fin1"])
    data = client.get(f"{API}/").json()
    assert [c["id"] for c in data["to_act"]] == [circuit.pk] and not data["to_act"][0]["for_someone_else"]
    # a deputy of fin1 sees it too, for someone else
    delegation_create(
        actor=people["fin1"],
        deputy=people["deputy"],
        person=people["fin1"],
        start=timezone.localdate(),
        end=timezone.localdate() + datetime.timedelta(days=3),
    )
    client.force_login(people["deputy"])
    client.get(f"{API}/")  # session warm
    with django_assert_num_queries(8):
        # session and user (2), token check none; the desks' roster (2), the steps with their decisions and
        # the reading rule (1), my circuits (1, none: no prefetch of their steps), the grants and the
        # restricted folders of the reading rule (2)
        data = client.get(f"{API}/").json()
    assert [c["id"] for c in data["to_act"]] == [circuit.pk] and data["to_act"][0]["for_someone_else"]


def test_circuit_status_is_404_for_who_cannot_read_the_document(client, submit, people):
    circuit = submit()
    client.force_login(people["outsider"])
    assert _refused(client.get(f"{API}/{circuit.pk}"), 404) == _refused(client.get(f"{API}/99999999"), 404)
    client.force_login(people["dgs"])  # reads the document, acts later: sees the status
    data = client.get(f"{API}/{circuit.pk}").json()
    assert data["abilities"] == {"act": False, "annotate": False, "bordereau": False}
    assert len(data["steps"]) == 2


def test_act_approve_reject_annotate(client, submit, people):
    circuit = submit()
    step1 = circuit.steps.get(position=1)
    client.force_login(people["fin1"])
    url = f"{API}/{circuit.pk}/act"
    assert "motif" in _refused(_post(client, url, {"decision": "reject", "text": "  "}), 400)
    assert _refused(_post(client, url, {"decision": "annotate", "text": ""}), 400)
    note = _post(client, url, {"decision": "annotate", "text": "Voir l'article 3", "visibility": "private"})
    assert note.status_code == 200
    approved = _post(client, url, {"decision": "approve", "step": step1.pk})
    assert approved.status_code == 200
    actions = approved.json()["steps"][0]["actions"]
    assert [a["decision"] for a in actions] == ["annotate", "approve"]
    assert actions[1]["sha256"] == circuit.version_sha256
    # the same seat again: already decided
    assert "déjà" in _refused(_post(client, url, {"decision": "approve"}), 409)
    # the private annotation is hidden from the submitter
    client.force_login(people["submitter"])
    assert [a["decision"] for a in client.get(f"{API}/{circuit.pk}").json()["steps"][0]["actions"]] == [
        "approve"
    ]
    client.force_login(people["fin2"])
    assert _post(client, url, {"decision": "approve"}).status_code == 200
    # the finance step is over: acting on it is a conflict
    client.force_login(people["dgs"])
    assert "plus active" in _refused(_post(client, url, {"decision": "approve", "step": step1.pk}), 409)
    rejected = _post(client, url, {"decision": "reject", "text": "Montant erroné"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert "terminé" in _refused(_post(client, url, {"decision": "approve"}), 409)


def test_act_is_404_for_who_does_not_act_for_the_desk(client, submit, people):
    circuit = submit()
    url = f"{API}/{circuit.pk}/act"
    for who in ("dgs", "outsider", "submitter"):
        client.force_login(people[who])
        _refused(_post(client, url, {"decision": "approve"}), 404)
    client.force_login(people["fin3"])
    assert _post(client, url, {"decision": "approve"}).status_code == 200


def test_act_on_an_older_step_after_a_race_is_a_conflict(client, submit, people):
    """Two finance agents read the circuit; the quorum is met by others before the third acts."""
    circuit = submit()
    step1 = circuit.steps.get(position=1)
    step_approve(circuit=circuit, actor=people["fin1"])
    step_approve(circuit=circuit, actor=people["fin2"])
    client.force_login(people["fin3"])
    response = _post(client, f"{API}/{circuit.pk}/act", {"decision": "approve", "step": step1.pk})
    assert response.status_code in (404, 409)  # the step moved to the DGS: fin3 no longer acts for it
    assert isinstance(response.json()["detail"], str)


def test_templates_listing(client, template, people):
    client.force_login(people["outsider"])
    assert client.get(f"{API}/templates").json() == [
        {"id": template.pk, "name": "Délibération", "document_type": "Délibération", "steps": 2}
    ]
