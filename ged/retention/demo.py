"""Demo records management for `manage.py seed_demo`: example rules (« à valider par l'archiviste »), an
archivist (in the « Archivistes » group, which edits the rules in the Wagtail admin) and a visa of the
eliminations, a few qualified documents whose DUA has passed (to destroy and to keep), one held document,
and the council's deliberations typed « DELIB ». Idempotent (rules by code, the group by name, records per
document), works on SQLite."""

import datetime

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Document, Folder
from .actions import folder_rule_set, hold_place, record_set
from .models import DocumentRecord, FolderRule, LegalHold, RetentionRule
from .rules_seed import EXAMPLE_RULES

ARCHIVIST = "francois.declercq"
APPROVER = "jerome.vandenbroucke"
ARCHIVISTS_GROUP = "Archivistes"
# The archivist's role, and the rules in the Wagtail admin (/cms/regles-de-gestion/): its access and the
# rule's view, add and change permissions; no delete (a rule in use is deactivated).
ARCHIVISTS_PERMISSIONS = [
    ("ged_retention", "archivist"),
    ("ged_retention", "view_retentionrule"),
    ("ged_retention", "add_retentionrule"),
    ("ged_retention", "change_retentionrule"),
    ("wagtailadmin", "access_admin"),
]


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


def seed_archivists_group() -> Group:
    """The « Archivistes » group with its permissions (only what is missing is added)."""
    group, _created = Group.objects.get_or_create(name=ARCHIVISTS_GROUP)
    wanted = Q()
    for app_label, codename in ARCHIVISTS_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    missing = Permission.objects.filter(wanted).exclude(group=group)
    if missing.exists():
        group.permissions.add(*missing)
    return group


def _type_deliberations(archivist) -> int:
    """The council's deliberations (ged/circuits/demo.py) typed « DELIB » from their creation date: the
    parapheur's submission page then offers the deliberation templates first. Once per document."""
    rule = RetentionRule.objects.filter(code="DELIB", active=True).first()
    if rule is None:
        return 0
    documents = (
        Document.objects.live()
        .filter(space__slug="vie-intercommunale", folder__name="Délibérations", folder__depth=2)
        .filter(retention_record__isnull=True)
        .order_by("pk")
    )
    count = 0
    for document in documents:
        record_set(
            document=document,
            rule=rule,
            event_date=timezone.localdate(document.created_at),
            actor=archivist,
        )
        count += 1
    return count


def _years_ago(years: int) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=1)


def seed_retention(*, stdout, agents: dict) -> None:
    with transaction.atomic():
        seed_rules()
        archivist, approver = agents.get(ARCHIVIST), agents.get(APPROVER)
        group = seed_archivists_group()
        if archivist is not None and not archivist.groups.filter(pk=group.pk).exists():
            archivist.groups.add(group)  # a second seed writes nothing
        if approver is not None:
            permission = Permission.objects.get(
                codename="approve_destruction", content_type__app_label="ged_retention"
            )
            if not approver.user_permissions.filter(pk=permission.pk).exists():
                approver.user_permissions.add(permission)
        if archivist is not None:
            _type_deliberations(archivist)
        if DocumentRecord.objects.filter(due_date__lte=timezone.localdate()).exists() or archivist is None:
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
