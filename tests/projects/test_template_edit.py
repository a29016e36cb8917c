"""The template edit page: its author, staff and IT rename a template and change its columns, labels,
checklist items and milestone offsets; anyone else gets 404. Renaming a line in place keeps the cards on it;
bad input is refused in French with nothing saved; a project created afterwards follows the new structure."""

import datetime

import pytest
from django.urls import reverse

from projects import templating
from projects.models import Card, ChecklistItem, Label, Milestone, Template

pytestmark = pytest.mark.django_db

DATA = {
    "boards": [
        {
            "name": "Marché",
            "columns": ["À faire", "En cours", "Terminé"],
            "labels": ["Juridique", "Achats"],
            "cards": [
                {
                    "title": "Rédiger le CCTP",
                    "column": 0,
                    "labels": ["Juridique"],
                    "checklist": ["Plan"],
                    "milestone": "Publication",
                },
                {
                    "title": "Analyser les offres",
                    "column": 2,
                    "labels": ["Achats"],
                    "checklist": [],
                    "milestone": "Attribution",
                },
            ],
        }
    ],
    "milestones": [{"name": "Publication", "offset_days": 30}, {"name": "Attribution", "offset_days": 90}],
}


@pytest.fixture
def template(lead):
    return Template.objects.create(name="Marché simple", data=templating.clean_data(DATA), created_by=lead)


def _form(template, **changes):
    spec = templating.clean_data(template.data)
    form = {"name": template.name, "description": template.description}
    for i, board in enumerate(spec["boards"]):
        form[f"b{i}_name"] = board["name"]
        form[f"b{i}_columns"] = "\n".join(board["columns"])
        form[f"b{i}_labels"] = "\n".join(board["labels"])
        for j, card in enumerate(board["cards"]):
            form[f"b{i}_c{j}_checklist"] = "\n".join(card["checklist"])
    for k, m in enumerate(spec["milestones"]):
        form[f"m{k}_name"], form[f"m{k}_offset"] = m["name"], m["offset_days"]
    form.update(changes)
    return form


def _url(template):
    return reverse("projects:template_edit", args=[template.pk])


def test_only_author_staff_and_it_reach_the_page(client, template, lead, colleague, make_user):
    staff = make_user("sylvie.staff", is_staff=True)
    client.force_login(colleague)
    missing = client.get(reverse("projects:template_edit", args=[999999]))
    assert missing.status_code == 404
    assert client.get(_url(template)).status_code == 404
    assert client.post(_url(template), _form(template, name="Volé")).status_code == 404
    assert (
        "Modifier ce modèle"
        not in client.get(reverse("projects:template", args=[template.pk])).content.decode()
    )
    assert Template.objects.get(pk=template.pk).name == "Marché simple"
    for user in (lead, staff):
        client.force_login(user)
        assert client.get(_url(template)).status_code == 200
        detail = client.get(reverse("projects:template", args=[template.pk])).content.decode()
        assert "Modifier ce modèle" in detail


def test_edit_renames_lines_in_place_and_keeps_cards_attached(client, template, lead):
    client.force_login(lead)
    response = client.post(
        _url(template),
        _form(
            template,
            name="Marché à procédure adaptée",
            b0_columns="À faire\nEn cours\nClos",  # renamed in place: the card stays in the third column
            b0_labels="Droit des marchés\nAchats",  # renamed in place: the card keeps it
            b0_c0_checklist="Plan\nRelecture juridique\n\n",
            m0_name="Publication de l'avis",
            m0_offset=45,
            m1_name="",  # removed: its card loses it
            m2_name="Notification",
            m2_offset=120,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    data = Template.objects.get(pk=template.pk).data
    board = data["boards"][0]
    assert board["columns"] == ["À faire", "En cours", "Clos"]
    assert board["labels"] == ["Droit des marchés", "Achats"]
    first, second = board["cards"]
    assert (first["labels"], first["checklist"], first["milestone"]) == (
        ["Droit des marchés"],
        ["Plan", "Relecture juridique"],
        "Publication de l'avis",
    )
    assert (second["column"], second["milestone"]) == (2, "")
    assert data["milestones"] == [
        {"name": "Publication de l'avis", "offset_days": 45},
        {"name": "Notification", "offset_days": 120},
    ]
    # A project made from it now follows the new structure.
    template.refresh_from_db()
    start = datetime.date(2027, 3, 1)
    ws = templating.workspace_create_from_template(
        template=template, creator=lead, name="MAPA", start_date=start
    )
    assert list(ws.boards.get().columns.values_list("name", flat=True)) == ["À faire", "En cours", "Clos"]
    assert set(Label.objects.filter(board__workspace=ws).values_list("name", flat=True)) == {
        "Droit des marchés",
        "Achats",
    }
    assert dict(Milestone.objects.filter(workspace=ws).values_list("name", "date")) == {
        "Publication de l'avis": start + datetime.timedelta(days=45),
        "Notification": start + datetime.timedelta(days=120),
    }
    card = Card.objects.get(board__workspace=ws, title="Rédiger le CCTP")
    assert card.milestone.name == "Publication de l'avis"
    assert list(ChecklistItem.objects.filter(card=card).values_list("text", flat=True)) == [
        "Plan",
        "Relecture juridique",
    ]


def test_removed_column_sends_its_cards_to_the_first(client, template, lead):
    client.force_login(lead)
    assert client.post(_url(template), _form(template, b0_columns="À faire\nEn cours")).status_code == 302
    cards = Template.objects.get(pk=template.pk).data["boards"][0]["cards"]
    assert [c["column"] for c in cards] == [0, 0]


@pytest.mark.parametrize(
    "changes,words",
    [
        ({"name": "marché PUBLIC"}, "Un modèle porte déjà ce nom"),
        ({"name": ""}, "Donnez un nom"),
        ({"b0_columns": "  \n "}, "au moins une colonne"),
        ({"b0_columns": "x" * 81}, "80 caractères au plus"),
        ({"b0_columns": "\n".join(f"C{i}" for i in range(21))}, "20 colonnes par tableau au plus"),
        ({"b0_labels": "y" * 41}, "40 caractères au plus"),
        ({"b0_c0_checklist": "z" * 201}, "200 caractères chacun"),
        ({"m0_offset": 5000}, "De 0 à 3650 jours"),
        ({"m0_offset": -1}, "De 0 à 3650 jours"),
        ({"m0_offset": "trente"}, "Un nombre entier de jours"),
        ({"m2_name": "Réception", "m2_offset": ""}, "Indiquez le nombre de jours"),
        ({"m1_name": "publication"}, "Deux jalons portent ce nom"),
        ({"m0_name": "n" * 121}, "120 caractères"),
    ],
)
def test_bad_input_is_refused_in_french_and_saves_nothing(client, template, lead, changes, words):
    Template.objects.create(name="Marché public", data=templating.clean_data(DATA), created_by=lead)
    client.force_login(lead)
    before = Template.objects.get(pk=template.pk).data
    response = client.post(_url(template), _form(template, **changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert words in html.replace("&#x27;", "'"), words
    assert "corrigez les champs signalés" in html
    assert Template.objects.get(pk=template.pk).data == before
    assert Template.objects.get(pk=template.pk).name == "Marché simple"
    # Control: the unchanged form saves.
    assert client.post(_url(template), _form(template)).status_code == 302
