"""Parapheur pages: « À viser / à signer », « Mes dossiers en circuit », late list, a circuit and its
decisions, submission from a document, the document page's section, the bordereau; missing and forbidden
alike 404, refusals in French."""

import subprocess

import pytest

from ged.circuits.actions import step_approve
from ged.circuits.choices import CircuitStatus
from ged.circuits.models import Circuit, StepAction

pytestmark = pytest.mark.django_db


def _count(client, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_todo_page_lists_the_steps_of_my_desks(client, submit, people, doc):
    circuit = submit()
    client.force_login(people["fin1"])
    html = client.get("/parapheur/").content.decode()
    assert f"/parapheur/circuit/{circuit.pk}/" in html and doc.title in html
    client.force_login(people["dgs"])
    html = client.get("/parapheur/").content.decode()
    assert f"/parapheur/circuit/{circuit.pk}/" not in html
    assert "Aucun document n'attend votre visa" in html


def test_todo_page_queries_do_not_grow_with_circuits(client, submit, people, space, upload, template):
    from ged.circuits.actions import circuit_submit

    submit()
    client.force_login(people["fin1"])
    client.get("/parapheur/")  # the session and the layout's caches warm up
    one = _count(client, "/parapheur/", None)
    for i in range(5):
        document, version = upload(space.root, f"Délibération {i}.pdf", f"%PDF-1.4 {i}".encode())
        circuit_submit(document=document, version=version, template=template, submitter=people["submitter"])
    assert _count(client, "/parapheur/", None) == one


def test_my_circuits_page(client, submit, people, doc):
    circuit = submit()
    client.force_login(people["submitter"])
    html = client.get("/parapheur/mes-dossiers/").content.decode()
    assert f"/parapheur/circuit/{circuit.pk}/" in html and "en cours" in html
    client.force_login(people["fin1"])
    assert f"/parapheur/circuit/{circuit.pk}/" not in client.get("/parapheur/mes-dossiers/").content.decode()


def test_circuit_page_is_404_for_who_cannot_read_the_document(client, submit, people):
    circuit = submit()
    client.force_login(people["outsider"])
    assert client.get(f"/parapheur/circuit/{circuit.pk}/").status_code == 404
    assert client.get("/parapheur/circuit/999999/").status_code == 404
    assert client.post(f"/parapheur/circuit/{circuit.pk}/agir/", {"decision": "approve"}).status_code == 404
    assert not StepAction.objects.exists()
    client.force_login(people["fin1"])
    assert client.get(f"/parapheur/circuit/{circuit.pk}/").status_code == 200


def test_a_reader_outside_the_desk_sees_the_circuit_but_cannot_act(client, submit, people):
    circuit = submit()
    client.force_login(people["dgs"])
    html = client.get(f"/parapheur/circuit/{circuit.pk}/").content.decode()
    assert "Direction des finances" in html and 'value="approve"' not in html
    assert client.post(f"/parapheur/circuit/{circuit.pk}/agir/", {"decision": "approve"}).status_code == 404
    assert not StepAction.objects.exists()


def test_act_approve_and_reject_through_the_page(client, submit, people):
    circuit = submit()
    client.force_login(people["fin1"])
    html = client.get(f"/parapheur/circuit/{circuit.pk}/").content.decode()
    assert 'value="approve"' in html and "Viser" in html
    response = client.post(
        f"/parapheur/circuit/{circuit.pk}/agir/", {"decision": "reject", "text": "  "}, follow=True
    )
    assert "Indiquez le motif du rejet" in response.content.decode()
    circuit.refresh_from_db()
    assert circuit.status == CircuitStatus.IN_PROGRESS
    response = client.post(f"/parapheur/circuit/{circuit.pk}/agir/", {"decision": "approve"}, follow=True)
    assert "Votre décision est enregistrée" in response.content.decode()
    client.force_login(people["fin2"])
    client.post(f"/parapheur/circuit/{circuit.pk}/agir/", {"decision": "reject", "text": "Hors budget."})
    circuit.refresh_from_db()
    assert circuit.status == CircuitStatus.REJECTED
    response = client.post(f"/parapheur/circuit/{circuit.pk}/agir/", {"decision": "zzz"})
    assert response.status_code == 404  # finished: nobody acts any more


def test_annotate_through_the_page(client, submit, people):
    circuit = submit()
    client.force_login(people["fin1"])
    client.post(
        f"/parapheur/circuit/{circuit.pk}/agir/",
        {"decision": "annotate", "text": "Note privée", "visibility": "private"},
    )
    response = client.post(
        f"/parapheur/circuit/{circuit.pk}/agir/",
        {"decision": "annotate", "text": "Note", "visibility": "secret"},
        follow=True,
    )
    assert "Choisissez une annotation publique ou privée" in response.content.decode()
    assert client.get(f"/parapheur/circuit/{circuit.pk}/").content.decode().count("Note privée") == 1
    client.force_login(people["submitter"])
    assert "Note privée" not in client.get(f"/parapheur/circuit/{circuit.pk}/").content.decode()


def test_submit_page(client, doc, template, people):
    client.force_login(people["outsider"])
    assert client.get(f"/parapheur/soumettre/{doc.pk}/").status_code == 404
    assert client.post(f"/parapheur/soumettre/{doc.pk}/", {"template": template.pk}).status_code == 404
    client.force_login(people["submitter"])
    assert "Délibération" in client.get(f"/parapheur/soumettre/{doc.pk}/").content.decode()
    response = client.post(f"/parapheur/soumettre/{doc.pk}/", {"template": "abc"})
    assert response.status_code == 400 and "Choisissez un modèle" in response.content.decode()
    assert not Circuit.objects.exists()
    response = client.post(
        f"/parapheur/soumettre/{doc.pk}/", {"template": template.pk, "message": "Pour le conseil"}
    )
    circuit = Circuit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/parapheur/circuit/{circuit.pk}/"
    response = client.post(f"/parapheur/soumettre/{doc.pk}/", {"template": template.pk})
    assert response.status_code == 400 and "déjà dans un circuit en cours" in response.content.decode()


def test_document_page_shows_the_circuit(client, doc, submit, people):
    client.force_login(people["submitter"])
    html = client.get(f"/documents/document/{doc.pk}/").content.decode()
    assert "Ce document n'est passé par aucun circuit" in html and f"/parapheur/soumettre/{doc.pk}/" in html
    circuit = submit()
    html = client.get(f"/documents/document/{doc.pk}/").content.decode()
    assert f"/parapheur/circuit/{circuit.pk}/" in html and f"/parapheur/soumettre/{doc.pk}/" not in html


def test_bordereau_lists_every_step_once_the_circuit_is_over(client, submit, people, doc, tmp_path):
    from ged.circuits.actions import delegation_create

    circuit = submit()
    client.force_login(people["fin1"])
    assert client.get(f"/parapheur/circuit/{circuit.pk}/bordereau.pdf").status_code == 404
    step_approve(circuit=circuit, actor=people["fin1"])
    step_approve(circuit=circuit, actor=people["fin2"])
    from django.utils import timezone

    today = timezone.localdate()
    delegation_create(
        actor=people["dgs"], person=people["dgs"], deputy=people["deputy"], start=today, end=today
    )
    step_approve(circuit=circuit, actor=people["deputy"], text="Signé en l'absence du DGS.")
    circuit.refresh_from_db()
    assert circuit.status == CircuitStatus.APPROVED
    response = client.get(f"/parapheur/circuit/{circuit.pk}/bordereau.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    path = tmp_path / "b.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    text = " ".join(text.split())
    assert "Bordereau de circuit" in text and doc.title in text
    assert "Olivier Vanhove" in text and "Sandrine Caron" in text
    assert "Valérie Adjointe, pour le compte de Jérôme Vandenbroucke" in text
    assert circuit.version_sha256 in text.replace(" ", "")
    assert "Signature" in text and "Visa" in text


def test_late_page(client, submit, people):
    from datetime import timedelta

    from django.utils import timezone

    circuit = submit()
    circuit.steps.filter(position=1).update(due_at=timezone.now() - timedelta(days=1))
    client.force_login(people["submitter"])
    assert f"/parapheur/circuit/{circuit.pk}/" in client.get("/parapheur/en-retard/").content.decode()
    client.force_login(people["dgs"])
    assert f"/parapheur/circuit/{circuit.pk}/" not in client.get("/parapheur/en-retard/").content.decode()
