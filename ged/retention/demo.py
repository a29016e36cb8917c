"""Demo records management for `manage.py seed_demo`: example rules (« à valider par l'archiviste »), an
archivist and a visa of the eliminations, a few qualified documents whose DUA has passed (to destroy and to
keep) and one held document. Idempotent (rules by code, records per document), works on SQLite."""

import datetime

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from ..models import Document, Folder
from .actions import folder_rule_set, hold_place, record_set
from .models import DocumentRecord, FolderRule, LegalHold, RetentionRule
from .rules_seed import EXAMPLE_RULES

ARCHIVIST = "francois.declercq"
APPROVER = "jerome.vandenbroucke"


def seed_rules() -> int:
    created = 0
    for code, label, years, event, disposition, communicability, notes in EXAMPLE_RULES:
        _rule, made = RetentionRule.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "dua_years": years,
                "start_event": event,
                "final_disposition": disposition,
                "communicability": communicability,
                "notes": notes,
                "example": True,
            },
        )
        created += made
    return created


def _years_ago(years: int) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=1)


def seed_retention(*, stdout, agents: dict) -> None:
    with transaction.atomic():
        seed_rules()
        archivist, approver = agents.get(ARCHIVIST), agents.get(APPROVER)
        for user, codename in ((archivist, "archivist"), (approver, "approve_destruction")):
            if user is None:
                continue
            permission = Permission.objects.get(codename=codename, content_type__app_label="ged_retention")
            if not user.user_permissions.filter(pk=permission.pk).exists():  # a second seed writes nothing
                user.user_permissions.add(permission)
        if DocumentRecord.objects.exists() or archivist is None:
            return
        rules = {r.code: r for r in RetentionRule.objects.all()}
        plan = [
            ("finances", "FACT", 12),
            ("ressources-humaines", "FORM", 7),
            ("vie-intercommunale", "DELIB", 11),
        ]
        documents = []
        for slug, code, age in plan:
            picked = list(
                Document.objects.live()
                .filter(space__slug=slug, current_version__isnull=False)
                .exclude(retention_record__isnull=False)
                .order_by("pk")[:2]
            )
            for document in picked:
                record_set(document=document, rule=rules[code], event_date=_years_ago(age), actor=archivist)
                documents.append(document)
        # The finance space's root: every bill filed there from now on is typed at once.
        finances = Folder.objects.filter(space__slug="finances", depth=1).first()
        if finances is not None and not FolderRule.objects.filter(folder=finances).exists():
            folder_rule_set(folder=finances, rule=rules["FACT"], actor=archivist)
        if documents and not LegalHold.objects.exists():
            hold_place(
                document=documents[0],
                reason="Contentieux en cours avec un fournisseur (exemple de démonstration).",
                owner=archivist,
                actor=archivist,
            )
    stdout.write(
        f"Archives : {len(rules)} règles d'exemple, {len(documents)} documents qualifiés échus, 1 gel "
        f"(archiviste {ARCHIVIST}, visa {APPROVER}).\n"
    )
