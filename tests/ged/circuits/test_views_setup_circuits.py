"""Desk and template pages (/parapheur/administration/): circuit administrators only (superusers and the
« Administrateur des circuits » permission), 404 for anyone else; server-side validation in French."""

import pytest
from django.contrib.auth.models import Permission

from ged.circuits.actions import circuit_submit
from ged.circuits.models import CircuitTemplate, Desk

pytestmark = pytest.mark.django_db

SETUP = "/parapheur/administration/"


@pytest.fixture
def admin(make_user):
    user = make_user("ada.circuits")
    user.user_permissions.add(Permission.objects.get(codename="manage_circuits"))
    return user


def _rows(*rows):
    data = {"rows": str(len(rows))}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{key}-{i}"] = value
    return data


def test_setup_pages_are_404_for_agents(client, people, desks, template):
    client.force_login(people["fin1"])
    urls = [
        SETUP,
        f"{SETUP}bureaux/nouveau/",
        f"{SETUP}bureaux/{desks['fin'].pk}/",
        f"{SETUP}modeles/nouveau/",
        f"{SETUP}modeles/{template.pk}/",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(f"{SETUP}bureaux/nouveau/", {"name": "Pirate"}).status_code == 404
    assert not Desk.objects.filter(name="Pirate").exists()


def test_admin_lists_desks_and_templates(client, admin, desks, template, people):
    """One query for the desks and one for the templates (with their counts), whatever their number."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ged.circuits.actions import desk_create, template_create

    client.force_login(admin)
    client.get(SETUP)
    with CaptureQueriesContext(connection) as small:
        html = client.get(SETUP).content.decode()
    assert "Direction des finances" in html and "Délibération" in html
    for i in range(4):
        desk = desk_create(name=f"Bureau {i}", members=[people["fin1"], people["fin2"]])
        template_create(name=f"Modèle {i}", steps=[{"desk": desk}, {"desk": desks["dgs"]}])
    with CaptureQueriesContext(connection) as large:
        html = client.get(SETUP).content.decode()
    assert "Bureau 3" in html and "Modèle 3" in html
    assert len(large.captured_queries) == len(small.captured_queries)


def test_admin_creates_and_edits_a_desk(client, admin, people):
    client.force_login(admin)
    response = client.post(
        f"{SETUP}bureaux/nouveau/", {"name": "Cabinet", "members": "jerome.dgs\nvp.adjoint"}
    )
    assert response.status_code == 302
    desk = Desk.objects.get(name="Cabinet")
    assert set(desk.members.values_list("username", flat=True)) == {"jerome.dgs", "vp.adjoint"}
    unknown = client.post(f"{SETUP}bureaux/{desk.pk}/", {"name": "Cabinet", "members": "personne.inconnue"})
    assert unknown.status_code == 400 and "personne.inconnue" in unknown.content.decode()
    duplicate = client.post(f"{SETUP}bureaux/nouveau/", {"name": "cabinet", "members": ""})
    assert duplicate.status_code == 400 and "déjà le nom" in duplicate.content.decode()
    # deactivate: the checkbox left unticked
    assert (
        client.post(f"{SETUP}bureaux/{desk.pk}/", {"name": "Cabinet", "members": "jerome.dgs"}).status_code
        == 302
    )
    desk.refresh_from_db()
    assert not desk.active and list(desk.members.values_list("username", flat=True)) == ["jerome.dgs"]
    # an inactive desk is not offered in templates
    assert ">Cabinet</option>" not in client.get(f"{SETUP}modeles/nouveau/").content.decode()


def test_admin_creates_a_template_with_ordered_steps(client, admin, desks):
    client.force_login(admin)
    data = {"name": "Arrêté", "document_type": "Arrêté"} | _rows(
        {"desk": str(desks["fin"].pk), "kind": "visa", "mode": "quorum", "quorum": "2", "days": "3"},
        {"desk": "", "kind": "visa", "mode": "one", "quorum": "", "days": ""},
        {"desk": str(desks["dgs"].pk), "kind": "signature", "mode": "one", "quorum": "", "days": ""},
    )
    assert client.post(f"{SETUP}modeles/nouveau/", data).status_code == 302
    template = CircuitTemplate.objects.get(name="Arrêté")
    steps = list(template.steps.order_by("position").values_list("position", "desk__name", "mode", "quorum"))
    assert steps == [(1, "Direction des finances", "quorum", 2), (2, "DGS", "one", None)]


@pytest.mark.parametrize(
    "rows,message",
    [
        ([], "au moins une étape"),
        ([{"desk": "fin", "kind": "visa", "mode": "quorum", "quorum": "4", "days": ""}], "quorum"),
        ([{"desk": "fin", "kind": "visa", "mode": "one", "quorum": "", "days": "abc"}], "nombre de jours"),
        ([{"desk": "999999", "kind": "visa", "mode": "one", "quorum": "", "days": ""}], "bureau actif"),
    ],
)
def test_template_validation_in_french(client, admin, desks, rows, message):
    client.force_login(admin)
    for row in rows:
        row["desk"] = str(desks[row["desk"]].pk) if row["desk"] in desks else row["desk"]
    response = client.post(f"{SETUP}modeles/nouveau/", {"name": "Marché"} | _rows(*rows))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CircuitTemplate.objects.filter(name="Marché").exists()


def test_template_duplicate_name_and_edit_keeps_circuits_under_way(
    client, admin, desks, template, doc, people
):
    doc.refresh_from_db()
    circuit = circuit_submit(
        document=doc, version=doc.current_version, template=template, submitter=people["submitter"]
    )
    client.force_login(admin)
    other = {"name": "délibération"} | _rows({"desk": str(desks["dgs"].pk), "kind": "visa", "mode": "one"})
    duplicate = client.post(f"{SETUP}modeles/nouveau/", other)
    assert duplicate.status_code == 400 and "déjà ce nom" in duplicate.content.decode()
    edit = {"name": "Délibération", "active": "1"} | _rows(
        {"desk": str(desks["dgs"].pk), "kind": "signature", "mode": "one", "quorum": "", "days": "2"}
    )
    assert client.post(f"{SETUP}modeles/{template.pk}/", edit).status_code == 302
    assert template.steps.count() == 1
    assert circuit.steps.count() == 2  # copied at submission: unchanged


def test_more_rows_without_javascript(client, admin, desks):
    client.force_login(admin)
    data = {"name": "Long", "more": "1"} | _rows(
        {"desk": str(desks["fin"].pk), "kind": "visa", "mode": "one"},
        {"desk": str(desks["dgs"].pk), "kind": "visa", "mode": "one"},
    )
    html = client.post(f"{SETUP}modeles/nouveau/", data).content.decode()
    assert 'name="desk-3"' in html and not CircuitTemplate.objects.filter(name="Long").exists()
