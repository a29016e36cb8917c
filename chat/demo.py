"""Demo salons for `manage.py seed_demo`: department salons, open salons and a plausible history. Idempotent;
the Matrix bridge stays off (the demo runs without a homeserver)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .actions import ensure_open_salons, salon_department_sync
from .choices import MemberRole, SalonKind
from .models import Membership, Message, Salon
from .rendering import render_markdown

# (salon name, [(author username or None for "the first department member", text)])
_OPEN_HISTORY = {
    "Entraide informatique": [
        (
            0,
            "Bonjour à tous ! Quelqu'un sait comment ajouter l'imprimante du 2e étage "
            "sur un poste Windows 11 ?",
        ),
        (
            1,
            "Oui : **Paramètres › Bluetooth et appareils › Imprimantes**, puis « Ajouter ». "
            "Elle s'appelle `IMP-ETAGE2`.",
        ),
        (0, "Merci, ça marche parfaitement 👍"),
        (
            2,
            "Petit rappel : la mise à jour du logiciel de paie a lieu jeudi soir, "
            "pensez à fermer vos sessions.",
        ),
    ],
    "Covoiturage": [
        (
            3,
            "Je monte à Hazebrouck demain pour la réunion de 9 h, départ de Bailleul à 8 h 15. "
            "Deux places libres !",
        ),
        (4, "Je suis preneuse pour l'aller, merci ! Rendez-vous devant la mairie ?"),
        (3, "Parfait, devant la mairie à 8 h 10."),
    ],
}

_DEPARTMENT_HISTORY = [
    "Bonjour l'équipe, la réunion de service est décalée à 14 h cet après-midi.",
    "Bien noté, merci. Je prépare le point sur les dossiers en cours.",
    "N'oubliez pas de déposer vos congés d'été dans le logiciel avant la fin du mois.",
]


def _add_history(salon: Salon, lines: list[tuple[object, str]], start) -> int:
    if Message.objects.filter(salon=salon).exists():
        return 0
    created = []
    for i, (author, text) in enumerate(lines):
        created.append(
            Message(
                salon=salon,
                author=author,
                text=text,
                html=render_markdown(text),
                created_at=start + timedelta(minutes=7 * i),
            )
        )
    Message.objects.bulk_create(created)
    # auto_now_add ignores the given time: spread the history over the past days instead of "now".
    for message, when in zip(
        Message.objects.filter(salon=salon).order_by("id"), [m.created_at for m in created], strict=False
    ):
        Message.objects.filter(pk=message.pk).update(created_at=when)
    return len(created)


@transaction.atomic
def seed_chat_demo(*, stdout, agents: dict) -> None:
    people = [u for u in agents.values() if u.is_active]
    report = salon_department_sync()
    opened = ensure_open_salons(creator=people[0] if people else None)
    start = timezone.now() - timedelta(days=2)
    count = 0
    for salon in opened:
        # A handful of colleagues join each open salon; the first one moderates.
        chosen = people[:8] if salon.name == "Entraide informatique" else people[4:12]
        for i, user in enumerate(chosen):
            Membership.objects.get_or_create(
                salon=salon,
                user=user,
                defaults={"role": MemberRole.MODERATOR if i == 0 else MemberRole.MEMBER},
            )
        lines = [
            (chosen[idx % len(chosen)] if chosen else None, text)
            for idx, text in _OPEN_HISTORY.get(salon.name, [])
        ]
        count += _add_history(salon, lines, start)
    for salon in Salon.objects.filter(kind=SalonKind.DEPARTMENT).order_by("name")[:12]:
        members = list(Membership.objects.filter(salon=salon).select_related("user").order_by("id")[:3])
        if len(members) < 2:
            continue
        lines = [(members[i % len(members)].user, text) for i, text in enumerate(_DEPARTMENT_HISTORY)]
        count += _add_history(salon, lines, start + timedelta(hours=5))
    stdout.write(
        f"  salons de service : {report['salons_created']} créé(s), "
        f"{report['members_added']} participation(s) ; "
        f"salons ouverts : {len(opened)} ; messages de démonstration : {count}"
    )
