"""Delegations (dated, of a desk or of an agent) and hostile input on the parapheur's routes: French
refusals, never a 500, and the valid request still works afterwards."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ged.circuits.actions import delegation_create, delegation_revoke, step_approve
from ged.circuits.models import Delegation, StepAction
from ged.circuits.queries import steps_to_act

pytestmark = pytest.mark.django_db

BIG = "9" * 30


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("self", "pas vous déléguer à vous-même"),
        ("reversed", "doit suivre sa date de début"),
        ("past", "déjà terminée"),
        ("member_deputy", "déjà membre du bureau"),
        ("not_member", "Seul un membre du bureau"),
        ("someone_else", "que vos propres circuits"),
        ("both", "Choisissez ce que vous déléguez"),
    ],
)
def test_bad_delegations_are_refused(people, desks, today, case, message):
    kwargs = {"actor": people["dgs"], "deputy": people["deputy"], "start": today, "end": today}
    if case == "self":
        kwargs.update(person=people["dgs"], deputy=people["dgs"])
    elif case == "reversed":
        kwargs.update(person=people["dgs"], start=today + timedelta(days=2))
    elif case == "past":
        kwargs.update(person=people["dgs"], start=today - timedelta(days=5), end=today - timedelta(days=1))
    elif case == "member_deputy":
        kwargs.update(actor=people["fin1"], desk=desks["fin"], deputy=people["fin2"])
    elif case == "not_member":
        kwargs.update(desk=desks["fin"])
    elif case == "someone_else":
        kwargs.update(person=people["fin1"])
    elif case == "both":
        kwargs.update(person=people["dgs"], desk=desks["dgs"])
    with pytest.raises(ValidationError, match=message):
        delegation_create(**kwargs)
    assert not Delegation.objects.exists()
    # Control: the valid delegation of the same agent goes through.
    delegation_create(
        actor=people["dgs"], person=people["dgs"], deputy=people["deputy"], start=today, end=today
    )
    assert Delegation.objects.count() == 1


def test_overlapping_delegations_are_refused(people, today):
    delegation_create(
        actor=people["dgs"],
        person=people["dgs"],
        deputy=people["deputy"],
        start=today,
        end=today + timedelta(days=5),
    )
    with pytest.raises(ValidationError, match="couvre déjà une partie de ces dates"):
        delegation_create(
            actor=people["dgs"],
            person=people["dgs"],
            deputy=people["fin1"],
            start=today + timedelta(days=5),
            end=today + timedelta(days=9),
        )
    delegation_create(
        actor=people["dgs"],
        person=people["dgs"],
        deputy=people["fin1"],
        start=today + timedelta(days=6),
        end=today + timedelta(days=9),
    )
    assert Delegation.objects.count() == 2


def test_a_desk_delegation_lets_the_deputy_act_for_the_desk(submit, people, desks, today):
    circuit = submit()
    delegation_create(
        actor=people["fin1"], desk=desks["fin"], deputy=people["deputy"], start=today, end=today
    )
    assert [s.circuit_id for s in steps_to_act(people["deputy"])] == [circuit.pk]
    action = step_approve(circuit=circuit, actor=people["deputy"])
    assert action.on_behalf_of == "Direction des finances" and action.delegation is not None
    assert action.seat == people["deputy"]


def test_a_future_or_revoked_delegation_gives_nothing(submit, people, desks, today):
    circuit = submit()
    future = delegation_create(
        actor=people["fin1"],
        desk=desks["fin"],
        deputy=people["deputy"],
        start=today + timedelta(days=1),
        end=today + timedelta(days=2),
    )
    assert steps_to_act(people["deputy"]) == []
    with pytest.raises(ValidationError, match="n'agissez pas pour le bureau"):
        step_approve(circuit=circuit, actor=people["deputy"])
    delegation_revoke(delegation=future, actor=people["fin2"])
    current = delegation_create(
        actor=people["fin1"], desk=desks["fin"], deputy=people["deputy"], start=today, end=today
    )
    with pytest.raises(ValidationError, match="Seul l'auteur"):
        delegation_revoke(delegation=current, actor=people["deputy"])
    delegation_revoke(delegation=current, actor=people["fin1"])
    assert steps_to_act(people["deputy"]) == []
    assert not StepAction.objects.exists()


def test_a_person_delegation_counts_as_the_absent_member_seat(submit, people, today):
    """The deputy of a finances member fills that member's seat: with the member's own approval it is the
    same seat, refused as a second decision."""
    circuit = submit()
    delegation_create(
        actor=people["fin1"], person=people["fin1"], deputy=people["deputy"], start=today, end=today
    )
    action = step_approve(circuit=circuit, actor=people["deputy"])
    assert action.seat == people["fin1"] and action.on_behalf_of == "Olivier Vanhove"
    with pytest.raises(ValidationError, match="déjà donné votre décision"):
        step_approve(circuit=circuit, actor=people["fin1"])


def test_delegation_page(client, people, desks, today):
    client.force_login(people["fin1"])
    assert "Direction des finances" in client.get("/parapheur/delegations/").content.decode()
    for bad in (
        {"target": "me", "deputy": "personne.inconnue", "start": today.isoformat(), "end": today.isoformat()},
        {"target": "me", "deputy": "vp.adjoint", "start": "2026-13-45", "end": today.isoformat()},
        {
            "target": f"desk-{BIG}",
            "deputy": "vp.adjoint",
            "start": today.isoformat(),
            "end": today.isoformat(),
        },
        {
            "target": f"desk-{desks['dgs'].pk}",
            "deputy": "vp.adjoint",
            "start": today.isoformat(),
            "end": today.isoformat(),
        },
        {"target": "me", "deputy": "olivier.fin", "start": today.isoformat(), "end": today.isoformat()},
    ):
        response = client.post("/parapheur/delegations/", bad)
        assert response.status_code == 400, bad
        assert 'role="alert"' in response.content.decode()
    assert not Delegation.objects.exists()
    response = client.post(
        "/parapheur/delegations/",
        {
            "target": f"desk-{desks['fin'].pk}",
            "deputy": "vp.adjoint",
            "start": today.isoformat(),
            "end": today.isoformat(),
        },
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert delegation.desk == desks["fin"] and delegation.deputy == people["deputy"]
    client.force_login(people["outsider"])
    assert client.post(f"/parapheur/delegations/{delegation.pk}/revoquer/").status_code == 404
    client.force_login(people["fin2"])
    client.post(f"/parapheur/delegations/{delegation.pk}/revoquer/")
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


def test_hostile_ids_and_values_on_the_parapheur_routes(client, submit, people, doc):
    circuit = submit()
    client.force_login(people["fin1"])
    for path in (
        f"/parapheur/circuit/{BIG}/",
        f"/parapheur/circuit/{BIG}/bordereau.pdf",
        f"/parapheur/soumettre/{BIG}/",
        "/parapheur/circuit/0/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/parapheur/circuit/{BIG}/agir/", {"decision": "approve"}).status_code == 404
    assert client.post(f"/parapheur/delegations/{BIG}/revoquer/").status_code == 404
    response = client.post(f"/parapheur/soumettre/{doc.pk}/", {"template": BIG})
    assert response.status_code == 400 and "Choisissez un modèle" in response.content.decode()
    response = client.post(
        f"/parapheur/circuit/{circuit.pk}/agir/", {"decision": "annotate", "text": "x" * 100_000}, follow=True
    )
    assert response.status_code == 200
    assert len(StepAction.objects.get().text) == 2000
    response = client.post(f"/parapheur/circuit/{circuit.pk}/agir/", {"decision": "\x00"}, follow=True)
    assert "Choisissez une décision" in response.content.decode()
    # A NUL byte in free text is dropped (PostgreSQL refuses it): never a 500.
    client.post(f"/parapheur/circuit/{circuit.pk}/agir/", {"decision": "annotate", "text": "a\x00b"})
    assert StepAction.objects.filter(text="ab").exists()
    response = client.post(
        "/parapheur/delegations/", {"target": "me", "deputy": "vp\x00.adjoint", "start": "x", "end": "\x00"}
    )
    assert response.status_code == 400 and "La date de fin de la délégation" in response.content.decode()
