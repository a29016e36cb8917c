"""Templates: a workspace or board saved as structure; a workspace created from a template gets its space,
salon, boards, grants, members and milestones in one transaction (or nothing); the demo ships two."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from chat.models import Membership, Salon
from ged.models import FolderGroupObjectPermission, Space
from intranet import registry
from projects import actions, milestones, templating
from projects.choices import MemberRole
from projects.demo_plan import INVESTMENT, PUBLIC_MARKET, TEMPLATES
from projects.models import Board, Card, ChecklistItem, Label, Member, Milestone, Template, Workspace

pytestmark = pytest.mark.django_db

START = datetime.date(2027, 3, 1)


@pytest.fixture
def market(lead):
    spec = TEMPLATES[PUBLIC_MARKET]
    return Template.objects.create(
        name=PUBLIC_MARKET,
        description=spec["description"],
        data=templating.clean_data(spec["data"]),
        created_by=lead,
    )


def test_create_from_template_makes_space_salon_board_grants_members_consistent(market, lead, colleague):
    ws = templating.workspace_create_from_template(
        template=market,
        creator=lead,
        name="Fibre des mairies",
        start_date=START,
        members={colleague: MemberRole.CONTRIBUTOR},
    )
    # Space with the three roster groups as grants, salon with the roster as members.
    space = Space.objects.select_related("root").get(pk=ws.refs["ged"]["space_id"])
    grants = dict(
        FolderGroupObjectPermission.objects.filter(content_object=space.root).values_list(
            "group__name", "permission__codename"
        )
    )
    assert grants == {
        f"projet:{ws.pk}:reader": "role_reader",
        f"projet:{ws.pk}:contributor": "role_editor",
        f"projet:{ws.pk}:manager": "role_manager",
    }
    assert set(lead.groups.values_list("name", flat=True)) >= {f"projet:{ws.pk}:manager"}
    assert f"projet:{ws.pk}:contributor" in set(colleague.groups.values_list("name", flat=True))
    salon = Salon.objects.get(pk=ws.refs["chat"]["salon_id"])
    assert dict(Membership.objects.filter(salon=salon).values_list("user__username", "role")) == {
        "claire.lead": "moderator",
        "paul.collegue": "member",
    }
    assert dict(Member.objects.filter(workspace=ws).values_list("user__username", "role")) == {
        "claire.lead": "manager",
        "paul.collegue": "contributor",
    }
    # The board, its columns, labels, cards with checklists and milestones as in the template.
    board = Board.objects.get(workspace=ws)
    spec = TEMPLATES[PUBLIC_MARKET]["data"]
    assert board.name == spec["boards"][0]["name"]
    assert list(board.columns.values_list("name", flat=True)) == spec["boards"][0]["columns"]
    assert set(board.labels.values_list("name", flat=True)) == set(spec["boards"][0]["labels"])
    assert Card.objects.filter(board=board).count() == len(spec["boards"][0]["cards"])
    cctp = Card.objects.get(board=board, title="Rédiger le CCTP")
    assert cctp.column.name == "Rédaction du DCE"
    assert [i.text for i in cctp.checklist.all()] == [
        "Spécifications techniques",
        "Clauses environnementales et sociales",
    ]
    assert [lb.name for lb in cctp.labels.all()] == ["Technique"]
    assert cctp.milestone.name == "Validation du DCE"
    assert cctp.milestone.date == START + datetime.timedelta(days=30)
    assert list(Milestone.objects.filter(workspace=ws).values_list("name", flat=True)) == [
        m["name"] for m in spec["milestones"]
    ]
    assert ws.start_date == START
    # Positions in each column are 0..n-1.
    for column in board.columns.all():
        assert list(column.cards.order_by("position").values_list("position", flat=True)) == list(
            range(column.cards.count())
        )


def test_a_failing_hook_leaves_nothing_of_a_templated_workspace(market, lead):
    def boom(team, actor):
        raise RuntimeError("provisioner down")

    registry.register_team_provisioner(
        key="zz_failing", create=boom, sync_roster=boom, close=boom, reopen=boom, order=999
    )
    try:
        counts = (Space.objects.count(), Salon.objects.count())
        with pytest.raises(RuntimeError):
            templating.workspace_create_from_template(
                template=market, creator=lead, name="Fibre", start_date=START
            )
        assert not Workspace.objects.exists() and not Board.objects.exists()
        assert not Milestone.objects.exists() and not Card.objects.exists() and not Label.objects.exists()
        assert (Space.objects.count(), Salon.objects.count()) == counts
    finally:
        registry._registry.team_provisioners.pop("zz_failing")
    assert templating.workspace_create_from_template(
        template=market, creator=lead, name="Fibre", start_date=START
    ).pk


def test_a_failing_card_step_rolls_back_space_and_salon_too(market, lead, monkeypatch):
    """The template's own steps run in the same transaction as the space and salon."""

    def broken(*args, **kwargs):
        raise RuntimeError("checklist down")

    monkeypatch.setattr(ChecklistItem.objects, "bulk_create", broken)
    counts = (Space.objects.count(), Salon.objects.count())
    with pytest.raises(RuntimeError):
        templating.workspace_create_from_template(
            template=market, creator=lead, name="Fibre", start_date=START
        )
    assert not Workspace.objects.exists()
    assert (Space.objects.count(), Salon.objects.count()) == counts


def test_save_workspace_as_template_then_reuse_it(make_workspace, lead, colleague):
    ws = make_workspace(start_date=START, members={colleague: MemberRole.CONTRIBUTOR})
    board = ws.boards.get()
    label = actions.label_create(board=board, name="Diagnostic", actor=lead)
    card = actions.card_create(board=board, column=board.columns.all()[1], title="Comptages vélo", actor=lead)
    actions.card_edit(
        card=card, version=1, actor=lead, title=card.title, labels=[label], assignees=[colleague]
    )
    actions.checklist_add(card=card, text="RD 916", actor=lead)
    milestone = milestones.milestone_create(
        workspace=ws, name="Diagnostic rendu", date=START + datetime.timedelta(days=45), actor=lead
    )
    milestones.card_milestone_set(card=card, milestone=milestone, actor=lead)
    template = templating.template_from_workspace(workspace=ws, name="Schéma vélo", actor=lead)
    assert template.data["milestones"] == [{"name": "Diagnostic rendu", "offset_days": 45}]
    saved = template.data["boards"][0]
    assert saved["cards"] == [
        {
            "title": "Comptages vélo",
            "description": "",
            "column": 1,
            "labels": ["Diagnostic"],
            "checklist": ["RD 916"],
            "milestone": "Diagnostic rendu",
        }
    ]
    assert "colleague" not in str(template.data)  # no people in a template
    with pytest.raises(ValidationError, match="déjà ce nom"):
        templating.template_from_workspace(workspace=ws, name="schéma VÉLO", actor=lead)
    new = templating.workspace_create_from_template(
        template=template, creator=colleague, name="Schéma bis", start_date=datetime.date(2027, 9, 1)
    )
    copy = Card.objects.get(board__workspace=new)
    assert copy.milestone.date == datetime.date(2027, 10, 16)
    assert list(copy.assignees.all()) == []
    assert new.lead == colleague


def test_board_template_adds_a_board_to_a_workspace(make_workspace, lead):
    ws = make_workspace()
    board = ws.boards.get()
    actions.label_create(board=board, name="Urgent", actor=lead)
    template = templating.template_from_board(board=board, name="Kanban simple", actor=lead)
    assert template.kind == Template.Kind.BOARD
    other = make_workspace(name="Autre projet")
    new_board = templating.board_create_from_template(workspace=other, template=template, actor=lead)
    assert list(new_board.labels.values_list("name", flat=True)) == ["Urgent"]
    assert list(new_board.columns.values_list("name", flat=True)) == ["À faire", "En cours", "Terminé"]


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"boards": []},
        {"boards": [{"name": "x", "columns": []}]},
        {"boards": [{"columns": ["a"]}], "milestones": [{"name": "m", "offset_days": -3}]},
    ],
)
def test_unusable_template_data_is_refused_in_french(data):
    with pytest.raises(ValidationError):
        templating.clean_data(data)


def test_template_data_is_bounded():
    data = templating.clean_data(
        {
            "boards": [
                {
                    "name": "B" * 500,
                    "columns": ["c"] * 100,
                    "labels": ["x"] * 3,
                    "cards": [{"title": "t" * 999, "column": 42, "labels": ["nope"], "milestone": "ghost"}],
                }
            ]
        }
    )
    board = data["boards"][0]
    assert (
        len(board["name"]) == 120
        and len(board["columns"]) == templating.MAX_COLUMNS
        and board["labels"] == ["x"]
    )
    assert board["cards"] == [
        {"title": "t" * 200, "description": "", "column": 0, "labels": [], "checklist": [], "milestone": ""}
    ]


def test_template_pages(client, market, lead, colleague, make_user):
    client.force_login(colleague)
    assert PUBLIC_MARKET in client.get(reverse("projects:templates")).content.decode()
    url = reverse("projects:template", args=[market.pk])
    body = client.get(url).content.decode()
    assert "Rédiger le CCTP" in body and "Créer un projet à partir de ce modèle" in body
    bad = client.post(
        url,
        {
            "template": market.pk,
            "name": "",
            "status": "cadrage",
            "visibility": "private",
            "join_policy": "request",
        },
    )
    assert bad.status_code == 400 and not Workspace.objects.exists()
    response = client.post(
        url,
        {
            "template": market.pk,
            "name": "Achat de vélos",
            "start_date": "2027-03-01",
            "status": "cadrage",
            "visibility": "private",
            "join_policy": "request",
        },
    )
    ws = Workspace.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("projects:workspace", args=[ws.pk])
    assert ws.lead == colleague and Milestone.objects.filter(workspace=ws).count() == 5
    # Only its author (or a superuser) deletes a template; others get 404.
    assert client.post(reverse("projects:template_delete", args=[market.pk])).status_code == 404
    client.force_login(lead)
    assert client.post(reverse("projects:template_delete", args=[market.pk])).status_code == 302
    assert not Template.objects.exists() and Workspace.objects.exists()


def test_save_as_template_page_is_for_responsables(client, make_workspace, lead, colleague):
    ws = make_workspace(members={colleague: MemberRole.CONTRIBUTOR})
    url = reverse("projects:workspace_save_template", args=[ws.pk])
    board_url = reverse("projects:board_save_template", args=[ws.boards.get().pk])
    client.force_login(colleague)
    assert client.get(url).status_code == 404 and client.post(board_url, {"name": "X"}).status_code == 404
    client.force_login(lead)
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "Mon modèle"}).status_code == 302
    assert client.post(board_url, {"name": "Mon modèle"}).status_code == 400  # same name: French refusal
    assert client.post(board_url, {"name": "Mon tableau"}).status_code == 302
    assert Template.objects.count() == 2


def test_demo_ships_two_templates_and_milestones(make_user):
    from io import StringIO

    from projects.demo import seed_projects_demo
    from projects.demo_plan import FIBRE_NAME, seed_projects_plan_demo

    agents = {i: make_user(f"agent.demo{i}", first_name=f"Agent{i}", last_name="Demo") for i in range(5)}
    out = StringIO()
    seed_projects_demo(stdout=out, agents=agents)
    seed_projects_plan_demo(stdout=out, agents=agents)
    assert set(Template.objects.values_list("name", flat=True)) == {INVESTMENT, PUBLIC_MARKET}
    cycling = Workspace.objects.get(name="Schéma directeur cyclable")
    assert Milestone.objects.filter(workspace=cycling).count() == 4
    assert Card.objects.filter(board__workspace=cycling, milestone__isnull=False).count() == 4
    fibre = Workspace.objects.get(name=FIBRE_NAME)
    assert Milestone.objects.filter(workspace=fibre, closed_at__isnull=False).count() == 1
    counts = (
        Template.objects.count(),
        Milestone.objects.count(),
        Workspace.objects.count(),
        Card.objects.count(),
    )
    seed_projects_plan_demo(stdout=out, agents=agents)  # idempotent
    assert counts == (
        Template.objects.count(),
        Milestone.objects.count(),
        Workspace.objects.count(),
        Card.objects.count(),
    )
