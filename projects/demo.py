"""Demo data: one project of the territory with its team, space, salon and a board with a few cards."""

import datetime

from django.utils import timezone

from . import actions
from .choices import JoinPolicy, MemberRole, Status, Visibility
from .models import Workspace

DEMO_NAME = "Schéma directeur cyclable"
CARDS = (
    ("À faire", "Recenser les points noirs signalés par les communes", 10, ["Diagnostic"]),
    ("À faire", "Préparer le dossier de subvention « Fonds vélo »", 25, ["Financement"]),
    ("En cours", "Comptages vélo sur la RD 916", 5, ["Diagnostic"]),
    ("Terminé", "Réunion de lancement avec les maires", -7, []),
)


def seed_projects_demo(*, stdout, agents: dict) -> None:
    if Workspace.objects.filter(name=DEMO_NAME).exists():
        return
    people = [u for u in agents.values() if u.is_active]
    if len(people) < 3:
        return
    lead, others = people[0], people[1:4]
    today = timezone.localdate()
    ws = actions.workspace_create(
        name=DEMO_NAME,
        description="Un réseau cyclable continu entre les 50 communes de la CCFI d'ici 2030.",
        creator=lead,
        sponsor=people[-1],
        start_date=today - datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=600),
        status=Status.ACTIVE,
        visibility=Visibility.OPEN,
        join_policy=JoinPolicy.REQUEST,
        members={u: (MemberRole.READER if i == 2 else MemberRole.CONTRIBUTOR) for i, u in enumerate(others)},
    )
    board = ws.boards.get()
    columns = {c.name: c for c in board.columns.all()}
    labels = {
        name: actions.label_create(board=board, name=name, actor=lead)
        for name in ("Diagnostic", "Financement")
    }
    for i, (column, title, days, label_names) in enumerate(CARDS):
        card = actions.card_create(board=board, column=columns[column], title=title, actor=lead)
        actions.card_edit(
            card=card,
            version=card.version,
            actor=lead,
            title=title,
            description="Voir le **cahier des charges** dans l'espace documentaire du projet.",
            due_date=today + datetime.timedelta(days=days),
            assignees=[lead, others[i % 2]],
            labels=[labels[n] for n in label_names],
        )
        if i == 0:
            for text in ("Relancer les communes du nord", "Cartographier les signalements"):
                actions.checklist_add(card=card, text=text, actor=lead)
    stdout.write(f"Projets : « {DEMO_NAME} » avec son espace, son salon et son tableau.\n")
