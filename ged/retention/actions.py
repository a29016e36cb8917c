"""Every write of the records management: a document's type, holds, destruction lists (propose, approve,
execute, cancel). Each runs in one transaction, audits, and refuses in French (ValidationError) with nothing
half-done. The removal guard refuses trash, purge, folder deletion and destruction of held documents."""

import contextlib
import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Subquery
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intranet.audit.actions import audit_record
from intranet.notifications.actions import notify

from .. import removal_hooks
from ..actions import document_purge, document_trash
from ..models import Document, Folder
from .choices import FinalDisposition, ListStatus, StartEvent
from .models import (
    DestructionItem,
    DestructionList,
    DocumentRecord,
    FolderRule,
    LegalHold,
    RetentionRule,
    add_years,
)
from .permissions import is_approver, is_archivist
from .slip import slip_pdf

MAX_REASON = 500


def clean_text(value) -> str:
    """Without NUL and lone surrogates (neither can be stored by PostgreSQL), trimmed."""
    return "".join(c for c in str(value or "") if c != "\x00" and not "\ud800" <= c <= "\udfff").strip()


# --- the guard ---


def hold_guard(*, documents, action: str) -> None:
    """Registered in removal_hooks: refuses removing any document under an active hold."""
    ids = [d.pk for d in documents] if isinstance(documents, list | tuple) else documents.values("pk")
    held = list(
        Document.objects.filter(pk__in=ids, legal_holds__in=LegalHold.objects.active())
        .distinct()
        .order_by("title")
        .values_list("title", flat=True)[:5]
    )
    if not held:
        return
    names = ", ".join(f"« {t} »" for t in held)
    if action == "destroy":
        message = _("Élimination refusée : %(names)s fait l'objet d'un gel (conservation pour motif légal).")
    elif action == "folder_delete":
        message = _(
            "Suppression du dossier refusée : %(names)s fait l'objet d'un gel. Faites lever le gel d'abord."
        )
    else:
        message = _(
            "%(names)s fait l'objet d'un gel (conservation pour motif légal) : il ne peut être ni mis à la "
            "corbeille ni supprimé tant que le gel n'est pas levé par l'archiviste ou un gestionnaire."
        )
    raise removal_hooks.RemovalRefused(message % {"names": names})


# --- a document's type ---


@transaction.atomic
def record_set(
    *, document: Document, rule: RetentionRule, event_date: datetime.date, actor
) -> DocumentRecord:
    if document.trashed_at is not None:
        raise ValidationError(_("Ce document est dans la corbeille : restaurez-le avant de le qualifier."))
    if not rule.active:
        raise ValidationError(_("Cette règle de gestion n'est plus active : choisissez-en une autre."))
    if event_date > timezone.localdate():
        raise ValidationError(_("La date de l'événement de départ ne peut pas être dans le futur."))
    due = add_years(event_date, rule.dua_years)
    record, _created = DocumentRecord.objects.update_or_create(
        document=document,
        defaults={
            "rule": rule,
            "event_date": event_date,
            "due_date": due,
            "set_by": actor,
            "set_at": timezone.now(),
            "provisional": False,
        },
    )
    audit_record(
        action="retention.record.set",
        actor=actor,
        obj=document,
        extra={"rule": rule.code, "event_date": event_date.isoformat(), "due_date": due.isoformat()},
    )
    return record


# --- a folder's default type ---


def folder_rule_set(*, folder: Folder, rule: RetentionRule | None, actor) -> FolderRule | None:
    """Make `rule` the default type of `folder` and its subfolders (None removes it). Documents already there
    keep their type; new ones get this one at their first version (`record_from_folder`)."""
    if rule is not None and not rule.active:
        raise ValidationError(_("Cette règle de gestion n'est plus active : choisissez-en une autre."))
    with transaction.atomic():
        if rule is None:
            FolderRule.objects.filter(folder=folder).delete()
            found = None
        else:
            found, _created = FolderRule.objects.update_or_create(
                folder=folder, defaults={"rule": rule, "set_by": actor, "set_at": timezone.now()}
            )
        _forget_folder_defaults()
        transaction.on_commit(_forget_folder_defaults, robust=True)
        audit_record(
            action="retention.folder_default.set",
            actor=actor,
            obj=folder,
            extra={"rule": rule.code if rule is not None else None},
        )
    return found


def folder_default(folder: Folder) -> FolderRule | None:
    """The nearest default type at or above `folder` (one query)."""
    step = Folder.steplen
    paths = [folder.path[:end] for end in range(step, len(folder.path) + 1, step)]
    found = {
        fr.folder.path: fr
        for fr in FolderRule.objects.filter(folder__path__in=paths, rule__active=True).select_related(
            "rule", "folder"
        )
    }
    for path in reversed(paths):
        if path in found:
            return found[path]
    return None


def default_event(rule: RetentionRule, created: datetime.date) -> tuple[datetime.date, bool]:
    """(event date, provisional) for a document created on `created` with this rule: its creation date, or
    the end of that year for a fiscal-year rule (the DUA then runs from 31 December, as the tables say);
    for events not known at creation (closing, contract end, deliberation, departure) the creation date,
    provisional until someone gives the real one."""
    if rule.start_event == StartEvent.CREATION:
        return created, False
    if rule.start_event == StartEvent.FISCAL_YEAR:
        return datetime.date(created.year, 12, 31), False
    return created, True


def record_from_folder(*, document, version, author) -> None:
    """GED hook « a version was added »: the first version of a document in a folder with a default type
    qualifies it (inside the version's transaction). A document already typed is left as it is. No query
    while no folder has a default type (a cached flag); otherwise one to find the nearest default."""
    if version.number != 1 or not _any_folder_default():
        return
    target = Folder.objects.filter(pk=document.folder_id).values("path")[:1]
    default = (
        FolderRule.objects.filter(rule__active=True)
        .annotate(target=Subquery(target))
        .filter(target__startswith=F("folder__path"))
        .select_related("rule")
        .order_by(Length("folder__path").desc())
        .first()
    )
    if default is None or DocumentRecord.objects.filter(document_id=document.pk).exists():
        return
    created = timezone.localdate(document.created_at) if document.created_at else timezone.localdate()
    event, provisional = default_event(default.rule, created)
    DocumentRecord.objects.create(
        document=document,
        rule=default.rule,
        event_date=event,
        due_date=add_years(event, default.rule.dua_years),
        set_by=None,
        provisional=provisional,
    )


FOLDER_DEFAULTS_FLAG = "retention:any-folder-default"


def _any_folder_default() -> bool:
    """Whether any folder has a default type, cached (cleared by `folder_rule_set`); a stale True only costs
    the lookup, and the flag is False only after a check of the table."""
    try:
        found = cache.get(FOLDER_DEFAULTS_FLAG)
    except Exception:  # noqa: BLE001 - the cache is down: ask the database
        found = None
    if found is None:
        found = FolderRule.objects.exists()
        with contextlib.suppress(Exception):
            cache.set(FOLDER_DEFAULTS_FLAG, found, 3600)
    return found


def _forget_folder_defaults() -> None:
    with contextlib.suppress(Exception):
        cache.delete(FOLDER_DEFAULTS_FLAG)


@transaction.atomic
def rule_due_dates_recompute(*, rule: RetentionRule, actor=None) -> int:
    """After a rule's DUA changed (the archivist, in the admin): every document of that type gets its due date
    again from its own event date. Returns how many changed. Lists already proposed keep the dates they
    were proposed with (their items are a record of that moment)."""
    changed = []
    for record in (
        DocumentRecord.objects.select_for_update().filter(rule=rule).only("pk", "event_date", "due_date")
    ):
        due = add_years(record.event_date, rule.dua_years)
        if due != record.due_date:
            record.due_date = due
            changed.append(record)
    DocumentRecord.objects.bulk_update(changed, ["due_date"], batch_size=500)
    if changed:
        audit_record(
            action="retention.rule.recompute",
            actor=actor,
            obj=rule,
            extra={"rule": rule.code, "dua_years": rule.dua_years, "records": len(changed)},
        )
    return len(changed)


# --- holds ---


def trashed_hold_message() -> str:
    return _(
        "Ce document est dans la corbeille : un gel ne peut porter que sur un document en place. "
        "Restaurez-le d'abord."
    )


@transaction.atomic
def hold_place(*, document: Document, reason: str, owner, start_date=None, end_date=None, actor) -> LegalHold:
    reason = clean_text(reason)
    start_date = start_date or timezone.localdate()
    # Locks the row: a concurrent trash waits, then its guard sees the hold.
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.trashed_at is not None:
        raise ValidationError(trashed_hold_message())
    if not reason:
        raise ValidationError(_("Indiquez le motif du gel (contentieux, contrôle, demande d'accès…)."))
    if len(reason) > MAX_REASON:
        raise ValidationError(_("Le motif du gel ne peut dépasser 500 caractères."))
    if end_date is not None and end_date < start_date:
        raise ValidationError(_("La date de fin du gel doit suivre sa date de début."))
    if owner is None or not owner.is_active:
        raise ValidationError(_("Le responsable du gel doit être un agent actif."))
    hold = LegalHold.objects.create(
        document=document,
        reason=reason,
        owner=owner,
        start_date=start_date,
        end_date=end_date,
        created_by=actor,
    )
    audit_record(
        action="retention.hold.place",
        actor=actor,
        obj=document,
        extra={"hold": hold.pk, "owner": owner.pk, "reason": reason[:200]},
    )
    return hold


@transaction.atomic
def hold_release(*, hold: LegalHold, actor) -> LegalHold:
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        raise ValidationError(_("Ce gel est déjà levé."))
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.save(update_fields=["released_at", "released_by"])
    audit_record(action="retention.hold.release", actor=actor, obj=hold.document, extra={"hold": hold.pk})
    return hold


# --- destruction lists ---


def destroyable_records(*, include_sort: bool = False, day=None):
    """Due records of rules to destroy (D, and T when asked), not held, not in an open list."""
    dispositions = [FinalDisposition.DESTROY] + ([FinalDisposition.SORT] if include_sort else [])
    open_items = DestructionItem.objects.filter(
        destruction_list__status__in=[ListStatus.PROPOSED, ListStatus.APPROVED]
    ).values("document_id")
    return (
        DocumentRecord.objects.due(day)
        .filter(rule__final_disposition__in=dispositions, document__placeholder=False, provisional=False)
        .exclude(document__legal_holds__in=LegalHold.objects.active(day))
        .exclude(document_id__in=open_items)
        .select_related("rule", "document", "document__current_version")
        .order_by("due_date", "document_id")
    )


def archivists():
    return role_holders("archivist")


def role_holders(codename: str):
    """Active agents holding a retention permission (directly or through a group); superusers are not
    counted: notices go to the people the collectivité named."""
    User = get_user_model()
    perms = Permission.objects.filter(codename=codename, content_type__app_label="ged_retention")
    return (
        User.objects.filter(is_active=True)
        .filter(Q(user_permissions__in=perms) | Q(groups__permissions__in=perms))
        .distinct()
        .order_by("pk")
    )


def due_notice(*, day=None) -> int:
    """Tell every archivist how many documents are due for destruction (DUA passed, rule D or T, not held,
    on no open list), so that a list gets proposed and then visaed by a second person. Returns that count;
    no notice when it is zero. Run by a weekly timer (`retention_notice`)."""
    destroy = destroyable_records(include_sort=False, day=day).count()
    sort = destroyable_records(include_sort=True, day=day).count() - destroy
    total = destroy + sort
    if not total:
        return 0
    recipients = list(archivists().values_list("pk", flat=True))
    if recipients:
        text = ngettext(
            "%(count)d document a dépassé sa durée d'utilité administrative : "
            "une liste d'élimination est à proposer (%(sort)d à trier).",
            "%(count)d documents ont dépassé leur durée d'utilité administrative : "
            "une liste d'élimination est à proposer (%(sort)d à trier).",
            total,
        ) % {"count": total, "sort": sort}
        notify(
            recipients=recipients,
            verb="ged.retention.due",
            text=text,
            url=reverse("retention:index"),
            email=True,
            place=_("Archives"),
        )
    return total


@transaction.atomic
def destruction_propose(*, actor, include_sort: bool = False, note: str = "", day=None) -> DestructionList:
    if not is_archivist(actor):
        raise ValidationError(_("Seul un archiviste peut proposer une liste d'élimination."))
    records = list(destroyable_records(include_sort=include_sort, day=day))
    if not records:
        raise ValidationError(
            _("Aucun document n'est à éliminer : aucune échéance de DUA n'est passée hors gel.")
        )
    dlist = DestructionList.objects.create(
        proposed_by=actor, include_sort=include_sort, note=clean_text(note)[:500]
    )
    DestructionItem.objects.bulk_create(
        DestructionItem(
            destruction_list=dlist,
            document=r.document,
            document_ref=r.document_id,
            title=r.document.title,
            rule_code=r.rule.code,
            rule_label=r.rule.label,
            event_date=r.event_date,
            due_date=r.due_date,
            sha256=r.document.current_version.blob_id if r.document.current_version_id else "",
        )
        for r in records
    )
    audit_record(action="retention.list.propose", actor=actor, obj=dlist, extra={"documents": len(records)})
    approvers = list(role_holders("approve_destruction").exclude(pk=actor.pk).values_list("pk", flat=True))
    if approvers:
        notify(
            recipients=approvers,
            verb="ged.retention.proposed",
            text=ngettext(
                "Liste d'élimination n° %(number)d à viser : %(count)d document, proposée par %(who)s.",
                "Liste d'élimination n° %(number)d à viser : %(count)d documents, proposée par %(who)s.",
                len(records),
            )
            % {
                "number": dlist.pk,
                "count": len(records),
                "who": actor.get_full_name() or actor.get_username(),
            },
            url=reverse("retention:list", args=[dlist.pk]),
            email=True,
            place=_("Archives"),
        )
    return dlist


def _locked(dlist: DestructionList, expected: str) -> DestructionList:
    dlist = DestructionList.objects.select_for_update().get(pk=dlist.pk)
    if dlist.status != expected:
        raise ValidationError(
            _("Cette liste est « %(status)s » : cette étape n'est plus possible.")
            % {"status": dlist.get_status_display()}
        )
    return dlist


@transaction.atomic
def destruction_approve(*, dlist: DestructionList, actor) -> DestructionList:
    if not is_approver(actor):
        raise ValidationError(
            _("Le visa d'une liste d'élimination est réservé au rôle « Visa des éliminations ».")
        )
    dlist = _locked(dlist, ListStatus.PROPOSED)
    if dlist.proposed_by_id == actor.pk:
        raise ValidationError(_("Vous avez proposé cette liste : son visa doit venir d'une autre personne."))
    dlist.status = ListStatus.APPROVED
    dlist.approved_by = actor
    dlist.approved_at = timezone.now()
    dlist.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(action="retention.list.approve", actor=actor, obj=dlist)
    return dlist


@transaction.atomic
def destruction_cancel(*, dlist: DestructionList, actor) -> DestructionList:
    if not (is_archivist(actor) or is_approver(actor)):
        raise ValidationError(
            _("Seuls l'archiviste et le visa des éliminations peuvent abandonner une liste.")
        )
    dlist = DestructionList.objects.select_for_update().get(pk=dlist.pk)
    if dlist.status not in (ListStatus.PROPOSED, ListStatus.APPROVED):
        raise ValidationError(_("Une liste exécutée ou abandonnée ne peut plus être abandonnée."))
    dlist.status = ListStatus.CANCELLED
    dlist.save(update_fields=["status"])
    audit_record(action="retention.list.cancel", actor=actor, obj=dlist)
    return dlist


@transaction.atomic
def destruction_execute(*, dlist: DestructionList, actor) -> DestructionList:
    """Destroys every document of an approved list through the GED's trash and purge actions, after the
    removal guards (action "destroy") accepted the whole list: a hold placed since the visa refuses the
    execution, and nothing is destroyed. Then writes the élimination slip."""
    if not is_archivist(actor):
        raise ValidationError(_("Seul un archiviste peut exécuter une liste d'élimination."))
    dlist = _locked(dlist, ListStatus.APPROVED)
    items = list(dlist.items.all())
    documents = list(
        Document.objects.select_for_update().filter(pk__in=[i.document_id for i in items if i.document_id])
    )
    removal_hooks.check_removal(documents=documents, action="destroy")
    by_pk = {d.pk: d for d in documents}
    now = timezone.now()
    for item in items:
        document = by_pk.get(item.document_id)
        if document is None:  # already purged by someone else: the slip says so (no date of destruction)
            continue
        if document.current_version_id:
            item.sha256 = document.current_version.blob_id
        if document.trashed_at is None:
            document_trash(document=document, actor=actor)
        document_purge(document=document, actor=actor)
        item.destroyed_at = now
    DestructionItem.objects.bulk_update(items, ["sha256", "destroyed_at"])
    dlist.status = ListStatus.EXECUTED
    dlist.executed_by = actor
    dlist.executed_at = now
    dlist.slip_pdf = slip_pdf(dlist, items)
    dlist.save(update_fields=["status", "executed_by", "executed_at", "slip_pdf"])
    audit_record(
        action="retention.list.execute",
        actor=actor,
        obj=dlist,
        extra={"destroyed": sum(1 for i in items if i.destroyed_at)},
    )
    return dlist
