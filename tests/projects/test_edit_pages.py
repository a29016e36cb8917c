"""Edit pages: a workspace's fields and a board's columns are edited by responsables only (404 for readers,
contributors and outsiders on the server); French refusals; a closed project refuses edits."""

import datetime

import pytest
from django.urls import reverse

from projects import actions, editing, milestones
from projects.choices import MemberRole
from projects.models import Board, Column, Member

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(make_user):
    return make_user("rita.lectrice")


@pytest.fixture
def ws(make_workspace, colleague, reader):
    return make_workspace(
        start_date=datetime.date(2027, 1, 1),
        members={colleague: MemberRole.CONTRIBUTOR, reader: MemberRole.READER},
    )


@pytest.fixture
def board(ws):
    return Board.objects.get(workspace=ws)


def _edit_data(**over):
    data = {
        "name": "Schéma cyclable 2030",
        "description": "Réseau continu",
        "lead": "claire.lead",
        "sponsor": "",
        "start_date": "2027-01-01",
        "end_date": "2028-06-30",
        "status": "en_cours",
        "visibility": "open",
        "join_policy": "open",
    }
    data.update(over)
    return data


@pytest.mark.parametrize("who", ["reader", "colleague", "outsider"])
def test_only_responsables_reach_the_edit_pages(client, request, ws, board, who):
    client.force_login(request.getfixturevalue(who))
    column = board.columns.first()
    for method, url, data in (
        ("get", reverse("projects:workspace_edit", args=[ws.pk]), None),
        ("post", reverse("projects:workspace_edit", args=[ws.pk]), _edit_data()),
        ("get", reverse("projects:board_edit", args=[board.pk]), None),
        (
            "post",
            reverse("projects:board_edit", args=[board.pk]),
            {"op": "rename_column", "column": column.pk, "name": "X"},
        ),
        (
            "post",
            reverse("projects:board_edit", args=[board.pk]),
            {"op": "delete_column", "column": column.pk},
        ),
    ):
        assert getattr(client, method)(url, data).status_code == 404, url
    ws.refresh_from_db()
    column.refresh_from_db()
    assert ws.name == "Schéma cyclable" and column.name == "À faire"


def test_lead_edits_every_field_and_a_new_lead_becomes_responsable(client, ws, lead, colleague, outsider):
    client.force_login(lead)
    url = reverse("projects:workspace_edit", args=[ws.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _edit_data(lead="paul.collegue", sponsor="olga.dehors"))
    assert response.status_code == 302
    ws.refresh_from_db()
    assert (ws.name, ws.lead, ws.sponsor, ws.status, ws.visibility, ws.join_policy) == (
        "Schéma cyclable 2030",
        colleague,
        outsider,
        "en_cours",
        "open",
        "open",
    )
    assert ws.end_date == datetime.date(2028, 6, 30)
    roles = dict(Member.objects.filter(workspace=ws).values_list("user__username", "role"))
    assert roles["paul.collegue"] == MemberRole.MANAGER and roles["claire.lead"] == MemberRole.MANAGER
    assert f"projet:{ws.pk}:manager" in set(colleague.groups.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"name": ""}, "Donnez un nom au projet."),
        ({"name": "x" * 121}, "ne doit pas dépasser 120 caractères"),
        ({"lead": "personne.inconnue"}, "Aucun agent en activité"),
        ({"end_date": "2026-12-01"}, "La fin prévue doit suivre le début du projet."),
        ({"start_date": "2027-02-01"}, "tomberait avant ce début"),
        ({"status": "clos"}, "Sélectionnez un choix valide"),
        ({"start_date": "31/02/2027"}, "Date invalide"),
    ],
)
def test_workspace_edit_refusals_are_french_and_change_nothing(client, ws, lead, over, message):
    milestones.milestone_create(workspace=ws, name="Diagnostic", date=datetime.date(2027, 1, 15), actor=lead)
    client.force_login(lead)
    response = client.post(reverse("projects:workspace_edit", args=[ws.pk]), _edit_data(**over))
    assert response.status_code == 400
    assert message in response.content.decode()
    ws.refresh_from_db()
    assert ws.name == "Schéma cyclable"


def test_closed_project_refuses_edits(client, ws, lead, board):
    actions.workspace_close(workspace=ws, actor=lead)
    client.force_login(lead)
    assert client.post(reverse("projects:workspace_edit", args=[ws.pk]), _edit_data()).status_code == 302
    ws.refresh_from_db()
    assert ws.name == "Schéma cyclable"
    column = board.columns.first()
    client.post(
        reverse("projects:board_edit", args=[board.pk]),
        {"op": "rename_column", "column": column.pk, "name": "X"},
    )
    column.refresh_from_db()
    assert column.name == "À faire"


def test_columns_rename_reorder_add_and_delete_only_when_empty(client, board, lead):
    client.force_login(lead)
    url = reverse("projects:board_edit", args=[board.pk])
    todo, doing, done = board.columns.all()

    def names():
        return list(
            Column.objects.filter(board=board).order_by("position", "pk").values_list("name", flat=True)
        )

    assert client.post(url, {"op": "rename_board", "name": "Suivi"}).status_code == 302
    assert (
        client.post(
            url, {"op": "rename_column", "column": doing.pk, "name": "En cours de réalisation"}
        ).status_code
        == 302
    )
    assert client.post(url, {"op": "right", "column": todo.pk}).status_code == 302
    assert names() == ["En cours de réalisation", "À faire", "Terminé"]
    assert client.post(url, {"op": "left", "column": todo.pk}).status_code == 302
    assert client.post(url, {"op": "left", "column": todo.pk}).status_code == 302  # already first: stays
    assert names() == ["À faire", "En cours de réalisation", "Terminé"]
    assert client.post(url, {"op": "add_column", "name": "Validation"}).status_code == 302
    assert names()[-1] == "Validation"
    card = actions.card_create(board=board, column=doing, title="Comptages", actor=lead)
    actions.card_archive(card=card, actor=lead)
    response = client.post(url, {"op": "delete_column", "column": doing.pk})
    assert response.status_code == 400 and "contient des cartes" in response.content.decode()
    assert client.post(url, {"op": "delete_column", "column": done.pk}).status_code == 302
    assert names() == ["À faire", "En cours de réalisation", "Validation"]
    board.refresh_from_db()
    assert board.name == "Suivi"
    assert list(
        Column.objects.filter(board=board).order_by("position").values_list("position", flat=True)
    ) == [0, 1, 2]


def test_board_edit_refuses_bad_input(client, board, lead, make_workspace):
    client.force_login(lead)
    url = reverse("projects:board_edit", args=[board.pk])
    other_column = make_workspace(name="Autre").boards.get().columns.first()
    assert (
        client.post(url, {"op": "rename_column", "column": other_column.pk, "name": "X"}).status_code == 404
    )
    assert client.post(url, {"op": "rename_column", "column": "abc", "name": "X"}).status_code == 404
    response = client.post(url, {"op": "rename_column", "column": board.columns.first().pk, "name": ""})
    assert response.status_code == 400 and "Donnez un nom." in response.content.decode()
    assert client.post(url, {"op": "explode"}).status_code == 400


def test_last_column_cannot_be_deleted(board, lead):
    from django.core.exceptions import ValidationError

    columns = list(board.columns.all())
    for column in columns[1:]:
        editing.column_delete(column=column, actor=lead)
    with pytest.raises(ValidationError, match="au moins une colonne"):
        editing.column_delete(column=columns[0], actor=lead)


def test_accessibility_sample_pages_answer_200_for_a_responsable(client, ws, lead, board):
    from projects.a11y_pages import accessibility_pages

    actions.card_create(board=board, column=board.columns.first(), title="Comptages", actor=lead)
    milestones.milestone_create(workspace=ws, name="Diagnostic", date=datetime.date(2027, 2, 1), actor=lead)
    client.force_login(lead)
    pages = accessibility_pages(lead)
    assert len(pages) >= 9
    for path, _label in pages:
        assert client.get(path).status_code == 200, path
