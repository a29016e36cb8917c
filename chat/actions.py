"""Every write of the chat: salons, memberships, messages, department sync, leavers, retention.

Each action runs in one transaction; live pushes run after commit. Matrix operations are outbox rows written
in the action's own transaction (`chat/outbox.py`), performed by `manage.py matrix_bridge` only.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record
from intranet.notifications.actions import notify

from . import push
from .choices import MemberRole, MessageSource, NotificationLevel, SalonKind
from .models import Membership, Message, Salon
from .outbox import DEACTIVATE, EDIT, OUTBOUND, REDACT, ROOM, matrix_later, matrix_redact_purged
from .rendering import find_mentions, render_markdown
from .serializers import message_payload

logger = logging.getLogger(__name__)
User = get_user_model()

OPEN_SALONS = (
    ("Entraide informatique", "Questions et astuces sur les logiciels, les imprimantes et le réseau."),
    ("Covoiturage", "Trajets partagés entre les sites de la CCFI et les communes."),
)


# --- Matrix side effects (outbox rows in the caller's transaction; none when the bridge is off) ------------
# With the bridge off nothing is queued: when it is turned on, its start-up reconciliation catches up.


def _after_commit_outbound(salon_id: int) -> None:
    matrix_later(OUTBOUND, {"salon_id": salon_id}, f"salon:{salon_id}")


def _after_commit_members(salon_id: int) -> None:
    matrix_later(ROOM, {"salon_id": salon_id}, f"salon:{salon_id}")


def _after_commit_cut(salon_id: int, user_ids: list[int]) -> None:
    if user_ids:
        transaction.on_commit(lambda: push.cut_delivery(salon_id, user_ids), robust=True)


def _full_name(user) -> str:
    return user.get_full_name() or user.get_username()


# --- Salons -----------------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Donnez un nom au salon.")})
    if len(name) > 120:
        raise ValidationError({"name": _("Le nom du salon ne doit pas dépasser 120 caractères.")})
    return name


@transaction.atomic
def salon_create(
    *,
    name: str,
    creator,
    kind: str = SalonKind.PROJECT,
    topic: str = "",
    members: Iterable = (),
    department=None,
) -> Salon:
    """A project, open or space salon; its creator moderates it."""
    if kind not in (SalonKind.PROJECT, SalonKind.OPEN, SalonKind.SPACE):
        raise ValidationError(_("Ce type de salon ne se crée pas à la main."))
    salon = Salon(name=_clean_name(name), topic=(topic or "").strip()[:500], kind=kind, created_by=creator)
    salon.full_clean()
    salon.save()
    Membership.objects.create(user=creator, salon=salon, role=MemberRole.MODERATOR)
    others = {m.pk: m for m in members if m.pk != creator.pk and m.is_active}
    Membership.objects.bulk_create([Membership(user=m, salon=salon) for m in others.values()])
    audit_record(action="chat.salon_create", actor=creator, obj=salon, extra={"kind": kind})
    _after_commit_members(salon.pk)
    return salon


def direct_key(a, b) -> str:
    low, high = sorted((a.pk, b.pk))
    return f"{low}:{high}"


def salon_direct_open(*, user, other) -> Salon:
    """The one direct conversation between two active agents, created on first use."""
    if other.pk == user.pk or not other.is_active:
        raise ValidationError(_("Choisissez un ou une collègue en activité, autre que vous-même."))
    key = direct_key(user, other)
    existing = Salon.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            salon = Salon.objects.create(
                name=f"{_full_name(user)} · {_full_name(other)}"[:120],
                kind=SalonKind.DIRECT,
                direct_key=key,
                created_by=user,
            )
            Membership.objects.bulk_create(
                [
                    Membership(user=user, salon=salon, notification_level=NotificationLevel.ALL),
                    Membership(user=other, salon=salon, notification_level=NotificationLevel.ALL),
                ]
            )
            _after_commit_members(salon.pk)
    except IntegrityError:  # created by the other agent at the same moment
        return Salon.objects.get(direct_key=key)
    return salon


@transaction.atomic
def salon_update(
    *, salon: Salon, actor, name: str, topic: str = "", retention_days: int | None = None
) -> Salon:
    salon.name = _clean_name(name)
    salon.topic = (topic or "").strip()[:500]
    if retention_days is not None and retention_days < 1:
        raise ValidationError({"retention_days": _("La durée de conservation doit être d'au moins un jour.")})
    salon.retention_days = retention_days
    salon.full_clean()
    salon.save(update_fields=["name", "topic", "retention_days"])
    audit_record(action="chat.salon_update", actor=actor, obj=salon)
    return salon


@transaction.atomic
def salon_archive(*, salon: Salon, actor, archived: bool = True) -> Salon:
    """An archived salon stays readable by its members; nobody may post in it."""
    if salon.archived != archived:
        salon.archived = archived
        salon.save(update_fields=["archived"])
        audit_record(
            action="chat.salon_archive" if archived else "chat.salon_unarchive", actor=actor, obj=salon
        )
        transaction.on_commit(
            lambda: push.push_to_salon(salon.pk, {"type": "archived", "archived": archived}), robust=True
        )
    return salon


# --- Memberships ------------------------------------------------------------------------------------------


@transaction.atomic
def salon_join(*, salon: Salon, user) -> Membership:
    if salon.kind != SalonKind.OPEN or salon.archived or not user.is_active:
        raise PermissionDenied
    membership, created = Membership.objects.get_or_create(user=user, salon=salon)
    if created:
        # Newcomers start with the history read.
        last = salon.messages.order_by("-id").values_list("id", flat=True).first() or 0
        Membership.objects.filter(pk=membership.pk).update(last_read_id=last)
        _after_commit_members(salon.pk)
    return membership


@transaction.atomic
def salon_leave(*, salon: Salon, user) -> None:
    if salon.kind in (SalonKind.DEPARTMENT, SalonKind.DIRECT):
        raise PermissionDenied
    deleted, _rows = Membership.objects.filter(salon=salon, user=user).delete()
    if deleted:
        _after_commit_cut(salon.pk, [user.pk])
        _after_commit_members(salon.pk)


def _require_moderator(salon: Salon, actor) -> None:
    if salon.kind in (SalonKind.DEPARTMENT, SalonKind.DIRECT) or salon.archived:
        raise PermissionDenied
    if not Membership.objects.filter(salon=salon, user=actor, role=MemberRole.MODERATOR).exists():
        raise PermissionDenied


@transaction.atomic
def membership_add(*, salon: Salon, user, actor, role: str = MemberRole.MEMBER) -> Membership:
    """A moderator adds a colleague (department and direct salons follow their own rules)."""
    _require_moderator(salon, actor)
    if not user.is_active:
        raise ValidationError(_("Ce compte est désactivé : il ne peut pas rejoindre de salon."))
    membership, created = Membership.objects.get_or_create(user=user, salon=salon, defaults={"role": role})
    if created:
        audit_record(action="chat.member_add", actor=actor, obj=salon, extra={"user": user.pk})
        notify(
            recipients=[user],
            verb="chat.member_add",
            text=_("%(actor)s vous a ajouté·e au salon « %(salon)s ».")
            % {"actor": _full_name(actor), "salon": salon.name},
            url=reverse("chat:salon", args=[salon.pk]),
        )
        _after_commit_members(salon.pk)
    return membership


@transaction.atomic
def membership_remove(*, salon: Salon, user, actor) -> None:
    """Removing someone stops their live delivery at once (their sockets leave the group and close)."""
    _require_moderator(salon, actor)
    moderators = Membership.objects.filter(salon=salon, role=MemberRole.MODERATOR)
    if user.pk == actor.pk and moderators.count() == 1:
        raise ValidationError(
            _("Vous êtes le seul modérateur ou la seule modératrice : nommez-en un autre d'abord.")
        )
    deleted, _rows = Membership.objects.filter(salon=salon, user=user).delete()
    if deleted:
        audit_record(action="chat.member_remove", actor=actor, obj=salon, extra={"user": user.pk})
        _after_commit_cut(salon.pk, [user.pk])
        _after_commit_members(salon.pk)


@transaction.atomic
def membership_set_role(*, salon: Salon, user, actor, role: str) -> Membership:
    _require_moderator(salon, actor)
    if role not in MemberRole.values:
        raise ValidationError(_("Rôle inconnu."))
    membership = Membership.objects.select_for_update().filter(salon=salon, user=user).first()
    if membership is None:
        raise ValidationError(_("Cette personne ne participe pas au salon."))
    if (
        role == MemberRole.MEMBER
        and membership.is_moderator
        and Membership.objects.filter(salon=salon, role=MemberRole.MODERATOR).count() == 1
    ):
        raise ValidationError(_("Un salon garde au moins un modérateur ou une modératrice."))
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(action="chat.member_role", actor=actor, obj=salon, extra={"user": user.pk, "role": role})
    return membership


def membership_set_notifications(*, membership: Membership, level: str) -> Membership:
    if level not in NotificationLevel.values:
        raise ValidationError(_("Niveau de notification inconnu."))
    membership.notification_level = level
    membership.save(update_fields=["notification_level"])
    return membership


def membership_mark_read(*, membership: Membership, up_to: int | None = None) -> int:
    """Move the read marker forward (never back) to `up_to`, or to the salon's last message."""
    if up_to is None:
        up_to = membership.salon.messages.order_by("-id").values_list("id", flat=True).first() or 0
    if up_to > membership.last_read_id:
        Membership.objects.filter(pk=membership.pk, last_read_id__lt=up_to).update(last_read_id=up_to)
        membership.last_read_id = up_to
    return membership.last_read_id


# --- Messages ---------------------------------------------------------------------------------------------


def _clean_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError({"text": _("Le message est vide : écrivez quelque chose avant d'envoyer.")})
    if len(text) > settings.CHAT_MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {
                "text": _(
                    "Le message dépasse %(max)s caractères (%(n)s) : raccourcissez-le ou coupez-le en deux."
                )
                % {"max": f"{settings.CHAT_MESSAGE_MAX_LENGTH:,}".replace(",", " "), "n": len(text)}
            }
        )
    return text


def _member_names(salon: Salon) -> dict[str, int]:
    rows = User.objects.filter(salon_memberships__salon=salon, is_active=True).values_list(
        "pk", "first_name", "last_name"
    )
    return {f"{first} {last}".strip(): pk for pk, first, last in rows if first or last}


def _render(salon: Salon, text: str) -> tuple[str, set[int]]:
    if "@" not in text:  # no mention possible: skip loading the members' names
        return render_markdown(text), set()
    names = _member_names(salon)
    return render_markdown(text, list(names)), find_mentions(text, names)


def _notify_mentions(message: Message, mentioned: set[int], author_name: str) -> None:
    if message.author_id:
        mentioned.discard(message.author_id)
    if not mentioned:
        return
    muted = set(
        Membership.objects.filter(
            salon_id=message.salon_id, user_id__in=mentioned, notification_level=NotificationLevel.NONE
        ).values_list("user_id", flat=True)
    )
    recipients = mentioned - muted
    if recipients:
        notify(
            recipients=recipients,
            verb="chat.mention",
            text=_("%(author)s vous a mentionné·e dans « %(salon)s » : %(excerpt)s")
            % {"author": author_name, "salon": message.salon.name, "excerpt": message.text[:120]},
            url=reverse("chat:salon", args=[message.salon_id]) + f"#m-{message.pk}",
            # Mail as the agent chose for the chat (daily digest by default), grouped by salon there.
            email=True,
            place=message.salon.name,
        )


def _notify_direct(message: Message, author_name: str) -> None:
    """Direct messages (and salons set to « all ») notify the other participants."""
    ids = (
        Membership.objects.filter(salon_id=message.salon_id, notification_level=NotificationLevel.ALL)
        .exclude(user_id=message.author_id)
        .values_list("user_id", flat=True)
    )
    ids = list(ids)
    if ids:
        notify(
            recipients=ids,
            verb="chat.message",
            text=_("%(author)s dans « %(salon)s » : %(excerpt)s")
            % {"author": author_name, "salon": message.salon.name, "excerpt": message.text[:120]},
            url=reverse("chat:salon", args=[message.salon_id]) + f"#m-{message.pk}",
            # Mail as the agent chose for the chat (daily digest by default), grouped by salon there.
            email=True,
            place=message.salon.name,
        )


@transaction.atomic
def message_post(*, salon: Salon, author, text: str, reply_to: Message | None = None) -> Message:
    """A web message: checks membership now (not just when the page opened), stores, pushes, bridges."""
    text = _clean_text(text)
    if not author.is_active:
        raise PermissionDenied
    if reply_to is not None and reply_to.salon_id != salon.pk:
        reply_to = None
    html, mentioned = _render(salon, text)
    message = Message.objects.create(salon=salon, author=author, text=text, html=html, reply_to=reply_to)
    # The membership check and the author's read marker in one statement (one round trip less on every post,
    # bench B6): no row updated means not a member, and the transaction rolls the message back.
    if not Membership.objects.filter(salon=salon, user=author).update(last_read_id=message.pk):
        raise PermissionDenied
    if salon.archived:
        raise ValidationError(_("Ce salon est archivé : on ne peut plus y écrire."))
    author_name = _full_name(author)
    _notify_mentions(message, mentioned, author_name)
    _notify_direct(message, author_name)
    payload = message_payload(message)
    transaction.on_commit(lambda: push.push_to_salon(salon.pk, payload), robust=True)
    _after_commit_outbound(salon.pk)
    return message


@transaction.atomic
def message_edit(*, message: Message, user, text: str) -> Message:
    if message.author_id != user.pk or message.deleted_at is not None or message.salon.archived:
        raise PermissionDenied
    if not Membership.objects.filter(salon_id=message.salon_id, user=user).exists():
        raise PermissionDenied
    text = _clean_text(text)
    if text == message.text:
        return message
    html, mentioned = _render(message.salon, text)
    before = set()
    if "@" in message.text:
        before = find_mentions(message.text, _member_names(message.salon))
    message.text, message.html, message.edited_at = text, html, timezone.now()
    message.save(update_fields=["text", "html", "edited_at"])
    _notify_mentions(message, mentioned - before, _full_name(user))
    payload = message_payload(message, "edit")
    transaction.on_commit(lambda: push.push_to_salon(message.salon_id, payload), robust=True)
    if message.matrix_event_id:
        matrix_later(EDIT, {"message_id": message.pk}, f"message:{message.pk}")
    return message


@transaction.atomic
def message_delete(*, message: Message, user) -> Message:
    """The author, or a moderator, deletes a message: its text is gone, a placeholder stays in the history."""
    membership = Membership.objects.filter(salon_id=message.salon_id, user=user).first()
    own = message.author_id == user.pk
    if membership is None or not (own or membership.is_moderator) or message.salon.archived:
        raise PermissionDenied
    if message.deleted_at is not None:
        return message
    message.deleted_at = timezone.now()
    message.text, message.html = "", ""
    message.save(update_fields=["deleted_at", "text", "html"])
    if not own:
        audit_record(action="chat.message_delete", actor=user, obj=message, extra={"salon": message.salon_id})
    payload = message_payload(message, "delete")
    transaction.on_commit(lambda: push.push_to_salon(message.salon_id, payload), robust=True)
    if message.matrix_event_id:
        matrix_later(REDACT, {"message_id": message.pk}, f"message:{message.pk}")
    return message


def message_store_inbound(
    *,
    salon: Salon,
    event_id: str,
    text: str,
    author=None,
    matrix_sender: str = "",
    sender_name: str = "",
    reply_to_event: str = "",
) -> Message | None:
    """A message that arrived from Matrix, stored once (unique event id) and pushed live. None if known."""
    if not text.strip() or Message.objects.filter(matrix_event_id=event_id).exists():
        return None
    text = text.strip()[: settings.CHAT_MESSAGE_MAX_LENGTH]
    reply_to = None
    if reply_to_event:
        reply_to = Message.objects.filter(salon=salon, matrix_event_id=reply_to_event).first()
    html, mentioned = _render(salon, text)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                salon=salon,
                author=author,
                matrix_sender="" if author else matrix_sender,
                sender_name="" if author else sender_name[:255],
                text=text,
                html=html,
                source=MessageSource.MATRIX,
                matrix_event_id=event_id,
                reply_to=reply_to,
            )
            if author is not None:
                Membership.objects.filter(salon=salon, user=author).update(last_read_id=message.pk)
            _notify_mentions(message, mentioned, message.display_author)
            payload = message_payload(message)
            transaction.on_commit(lambda: push.push_to_salon(salon.pk, payload), robust=True)
    except IntegrityError:  # the same event stored by a concurrent sync
        return None
    return message


# --- Department salons, leavers, retention ----------------------------------------------------------------


def salon_department_sync(*, departments=None) -> dict[str, int]:
    """One salon per department, its members equal to the department's active agents; the head moderates.

    The departments' rosters as the core's team hooks see them (`intranet.people.teams.department_teams`),
    then `salon_department_teams_sync`: for the sync command, the demo and tests; the core calls the hooks
    itself on a department or agent change and after an LDAP sync (`chat/departments.py`).
    """
    from intranet.people.teams import department_teams

    return salon_department_teams_sync(department_teams(departments))


@transaction.atomic
def salon_department_teams_sync(teams) -> dict[str, int]:
    """The salons of these department teams (`registry.Team`, kind « department »): created when missing,
    named after the department, their members exactly the team's, the team's manager (the head) moderating.

    Idempotent and set-based (a constant number of queries plus one per changed salon). Returns counts of
    what changed.
    """
    teams = {team.source_id: team for team in teams}
    report = {"salons_created": 0, "members_added": 0, "members_removed": 0, "roles_changed": 0}
    if not teams:
        return report
    salons = {
        s.department_id: s
        for s in Salon.objects.filter(kind=SalonKind.DEPARTMENT, department_id__in=list(teams))
    }
    for department_id, team in teams.items():
        salon = salons.get(department_id)
        if salon is None:
            salon = Salon.objects.create(
                name=team.name[:120],
                kind=SalonKind.DEPARTMENT,
                department_id=department_id,
                topic=_("Le salon des agents du service %(name)s.") % {"name": team.name},
            )
            salons[department_id] = salon
            report["salons_created"] += 1
        elif salon.name != team.name[:120]:
            Salon.objects.filter(pk=salon.pk).update(name=team.name[:120])
    existing: dict[int, dict[int, Membership]] = {}
    for m in Membership.objects.filter(salon__in=salons.values()).only("pk", "user_id", "salon_id", "role"):
        existing.setdefault(m.salon_id, {})[m.user_id] = m
    to_create, to_delete, promote, demote = [], [], [], []
    changed_salons: dict[int, list[int]] = {}
    for department_id, salon in salons.items():
        have = existing.get(salon.pk, {})
        roster = teams[department_id].members
        for user_id in set(roster) - set(have):
            role = MemberRole.MODERATOR if roster[user_id] == "manager" else MemberRole.MEMBER
            to_create.append(Membership(user_id=user_id, salon=salon, role=role))
            changed_salons.setdefault(salon.pk, [])
        gone = set(have) - set(roster)
        if gone:
            to_delete.extend(have[u].pk for u in gone)
            changed_salons.setdefault(salon.pk, []).extend(gone)
        for user_id, m in have.items():
            if user_id in roster:
                should = MemberRole.MODERATOR if roster[user_id] == "manager" else MemberRole.MEMBER
                if m.role != should:
                    (promote if should == MemberRole.MODERATOR else demote).append(m.pk)
    if to_create:
        Membership.objects.bulk_create(to_create, ignore_conflicts=True)
    if to_delete:
        Membership.objects.filter(pk__in=to_delete).delete()
    if promote:
        Membership.objects.filter(pk__in=promote).update(role=MemberRole.MODERATOR)
    if demote:
        Membership.objects.filter(pk__in=demote).update(role=MemberRole.MEMBER)
    report.update(
        members_added=len(to_create),
        members_removed=len(to_delete),
        roles_changed=len(promote) + len(demote),
    )
    for salon_id, removed in changed_salons.items():
        _after_commit_cut(salon_id, removed)
        _after_commit_members(salon_id)
    return report


@transaction.atomic
def chat_user_leave_everywhere(*, user) -> int:
    """A leaver vanishes from every salon at once; their Matrix puppet is deactivated (leaving every room)."""
    memberships = list(Membership.objects.filter(user=user).values_list("pk", "salon_id"))
    Membership.objects.filter(pk__in=[pk for pk, _s in memberships]).delete()
    for _pk, salon_id in memberships:
        _after_commit_cut(salon_id, [user.pk])
    matrix_later(DEACTIVATE, {"user_id": user.pk}, f"user:{user.pk}")
    return len(memberships)


def ensure_open_salons(*, creator=None) -> list[Salon]:
    """The open salons every intranet has; idempotent."""
    salons = []
    for name, topic in OPEN_SALONS:
        salon, _created = Salon.objects.get_or_create(
            kind=SalonKind.OPEN, name=name, defaults={"topic": topic, "created_by": creator}
        )
        salons.append(salon)
    return salons


@transaction.atomic
def messages_purge_expired(*, now=None) -> int:
    """Delete messages older than their salon's retention (salons without retention keep everything)."""
    now = now or timezone.now()
    total = 0
    for salon_id, days in Salon.objects.filter(retention_days__isnull=False).values_list(
        "pk", "retention_days"
    ):
        cutoff = now - timedelta(days=days)
        old = Message.objects.filter(salon_id=salon_id, created_at__lt=cutoff)
        matrix_redact_purged(old)
        # Replies to purged messages lose their quote, not their text.
        Message.objects.filter(reply_to__in=old).update(reply_to=None)
        deleted, _rows = old.delete()
        total += deleted
    if total:
        audit_record(action="chat.retention_purge", actor_label="system", extra={"deleted": total})
    return total
