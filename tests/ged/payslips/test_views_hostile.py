"""Hostile input on every form field of the payslip pages that reaches the database: a NUL (PostgreSQL refuses
it in a lookup: a 500), strings far longer than the columns, numbers that are not digits. Each answers 400
with a French message that says what to do, and nothing is written. Meant for PostgreSQL (CI), run on both."""

import pytest

from ged.payslips.models import Batch, LeaverLink, Payslip

pytestmark = pytest.mark.django_db

LONG = "7" * 10_000
# A syntactically valid address longer than the column (254): the form's default limit (320) would pass it.
LONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".fr"

NUMBERS = [
    ("\x00", "caractère invalide"),
    ("200001\x00", "caractère invalide"),
    ("\x00" * 40, "caractère invalide"),
    (LONG, "32 caractères au plus"),
    ("deux-cent-mille-un", "ce matricule"),
    ("２０００１", "ce matricule"),  # full-width digits: no agent has them
    ("' OR 1=1 --", "ce matricule"),
    ("", "Saisissez le matricule"),
]


@pytest.fixture
def page(agents, deposit_rows):
    return deposit_rows([("999999", "Inconnu")]).quarantine.get()


@pytest.mark.parametrize(("number", "message"), NUMBERS)
def test_quarantine_assign_refuses_hostile_numbers(client, hr, page, number, message):
    client.force_login(hr)
    response = client.post(f"/mon-coffre/paie/quarantaine/{page.pk}/", {"registration_number": number})
    assert response.status_code == 400
    assert message in response.content.decode()
    page.refresh_from_db()
    assert page.resolved_at is None and not Payslip.objects.exists()


def test_quarantine_hostile_action_is_an_assignment_without_a_number(client, hr, page, agents):
    client.force_login(hr)
    url = f"/mon-coffre/paie/quarantaine/{page.pk}/"
    response = client.post(url, {"action": "discard\x00"})
    assert response.status_code == 400 and "Saisissez le matricule" in response.content.decode()
    # The control: the same page given with a plain number goes to its agent.
    assert client.post(url, {"registration_number": agents[0].registration_number}).status_code == 302
    assert Payslip.objects.get().agent == agents[0]


@pytest.mark.parametrize(("number", "message"), NUMBERS)
def test_leaver_link_refuses_hostile_numbers(client, hr, agents, number, message):
    client.force_login(hr)
    response = client.post(
        "/mon-coffre/paie/departs/", {"registration_number": number, "email": "perso@example.org"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LeaverLink.objects.exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("perso\x00@example.org", "caractère invalide"),
        ("\x00", "caractère invalide"),
        (LONG_EMAIL, "254 caractères au plus"),
        ("x" * 100_000, "trop longue"),
        ("pas une adresse", "adresse"),
    ],
)
def test_leaver_link_refuses_hostile_addresses(client, hr, agents, email, message):
    leaver = agents[0]
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    client.force_login(hr)
    data = {"registration_number": leaver.registration_number, "email": email}
    response = client.post("/mon-coffre/paie/departs/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LeaverLink.objects.exists()
    # The control: a plain address for the same leaver goes through.
    data["email"] = "perso@example.org"
    assert client.post("/mon-coffre/paie/departs/", data).status_code == 302
    assert LeaverLink.objects.get().email == "perso@example.org"


@pytest.mark.parametrize("period", ["\x00", "2026-11\x00", "2026\x00-11", LONG, "novembre", "2026-13"])
def test_deposit_refuses_hostile_months(client, hr, period):
    client.force_login(hr)
    response = client.post("/mon-coffre/paie/", {"period": period})
    assert response.status_code == 400
    assert "Indiquez le mois sous la forme AAAA-MM." in response.content.decode()
    assert not Batch.objects.exists()
