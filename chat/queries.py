"""Reads of the chat: the salon list with unread counts (one query), a page of history, panels."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .choices import SalonKind
from .models import Membership, Message, Salon


def unread_count(user):
    """The unread messages of a membership row, as a correlated subquery that stops at `CHAT_UNREAD_MAX`.

    Unread = later than the read marker, not deleted, not by the agent. The inner query walks the
    (salon, id) index from the marker and stops after `CHAT_UNREAD_MAX` rows: its cost is what is unread
    (at most the cap), never the salon's whole history. A count equal to the cap reads « cap or more ».
    """
    newer = (
        Message.objects.filter(
            salon_id=OuterRef(OuterRef("salon_id")),
            id__gt=OuterRef(OuterRef("last_read_id")),
            deleted_at__isnull=True,
        )
        .filter(Q(author__isnull=True) | ~Q(author_id=user.pk))
        .order_by()
        .values("id")[: settings.CHAT_UNREAD_MAX]
    )
    counted = (
        Message.objects.filter(pk__in=newer)
        .order_by()
        .annotate(n=Func(F("id"), function="COUNT"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def memberships_with_unread(user, *, include_archived: bool = True):
    """The agent's memberships, each with its salon and `unread` (capped, see `unread_count`): one query."""
    qs = (
        Membership.objects.filter(user=user)
        .select_related("salon")
        .annotate(unread=unread_count(user))
        .order_by("salon__archived", "-unread", "salon__name")
    )
    if not include_archived:
        qs = qs.filter(salon__archived=False)
    return qs


def _direct_partners(user, salon_ids: list[int]) -> dict[int, object]:
    if not salon_ids:
        return {}
    rows = Membership.objects.filter(salon_id__in=salon_ids).exclude(user=user).select_related("user")
    return {m.salon_id: m.user for m in rows}


@dataclass
class SalonRow:
    membership: Membership
    salon: Salon
    unread: int
    title: str

    @property
    def unread_more(self) -> bool:
        """The count reached the cap: there may be more."""
        return self.unread >= settings.CHAT_UNREAD_MAX


def salon_list(user) -> list[SalonRow]:
    """Every salon of the agent with its unread count; two queries (memberships, direct-message partners)."""
    memberships = list(memberships_with_unread(user))
    partners = _direct_partners(user, [m.salon_id for m in memberships if m.salon.kind == SalonKind.DIRECT])
    rows = []
    for m in memberships:
        title = m.salon.name
        if m.salon.kind == SalonKind.DIRECT and m.salon_id in partners:
            other = partners[m.salon_id]
            title = other.get_full_name() or other.get_username()
        rows.append(SalonRow(membership=m, salon=m.salon, unread=m.unread, title=title))
    return rows


def joinable_salons(user):
    return Salon.objects.joinable_by(user).annotate(members=Count("memberships")).order_by("name")


def salon_title(user, salon: Salon) -> str:
    if salon.kind == SalonKind.DIRECT:
        other = _direct_partners(user, [salon.pk]).get(salon.pk)
        if other is not None:
            return other.get_full_name() or other.get_username()
    return salon.name


@dataclass
class HistoryPage:
    messages: list[Message]
    has_older: bool
    oldest_id: int | None
    has_newer: bool = False
    newest_id: int | None = None


def _history_rows(salon: Salon):
    return Message.objects.filter(salon=salon).select_related("author", "reply_to", "reply_to__author")


def history_page(
    salon: Salon, *, before: int | None = None, after: int | None = None, limit: int | None = None
) -> HistoryPage:
    """A page of messages, oldest first, authors and replies joined.

    Backward (the latest ones, or those before `before`) or forward (those after `after`, for a client that
    catches up). One query for the latest page; a cursor adds one `exists` for the other direction.
    """
    limit = limit or settings.CHAT_PAGE_SIZE
    qs = _history_rows(salon)
    if after is not None:
        rows = list(qs.filter(pk__gt=after).order_by("id")[: limit + 1])
        has_newer = len(rows) > limit
        rows = rows[:limit]
        has_older = Message.objects.filter(salon=salon, pk__lte=after).exists()
    else:
        if before:
            qs = qs.filter(pk__lt=before)
        rows = list(qs.order_by("-id")[: limit + 1])
        has_older = len(rows) > limit
        rows = list(reversed(rows[:limit]))
        has_newer = bool(before) and Message.objects.filter(salon=salon, pk__gte=before).exists()
    return HistoryPage(
        messages=rows,
        has_older=has_older,
        oldest_id=rows[0].pk if rows else None,
        has_newer=has_newer,
        newest_id=rows[-1].pk if rows else None,
    )


@dataclass
class CatchUp:
    messages: list[Message]  # posted after the client's last id, oldest first
    changes: list[Message]  # that the client has, edited or deleted since its cursor
    more: bool  # more new messages follow: ask again from the last one
    reload: bool  # more changes than one batch: reloading the page is cheaper than paging them
    cursor: datetime  # the `since` of the next catch-up


def catch_up(
    salon: Salon, *, after: int, since: datetime | None, oldest: int | None = None, limit: int | None = None
) -> CatchUp:
    """What a (re)connecting page missed: new messages after `after` (one bounded batch), and changes to
    messages `oldest`..`after` since `since`. Two queries.

    The cursor is read before the queries and the next catch-up starts `CHAT_RESUME_OVERLAP` seconds before
    it: a write whose timestamp precedes the cursor but whose transaction commits after the queries is not
    lost; sending an edit twice is harmless (the page replaces the message). A message committed late
    with a lower id than one the client has is caught the same way (`created_at` since the cursor).
    """
    limit = limit or settings.CHAT_PAGE_SIZE
    cursor = timezone.now()
    page = history_page(salon, after=after, limit=limit)
    changes: list[Message] = []
    reload = False
    if since is not None:
        start = since - timedelta(seconds=settings.CHAT_RESUME_OVERLAP)
        qs = _history_rows(salon).filter(pk__lte=after)
        if oldest:
            qs = qs.filter(pk__gte=oldest)
        qs = qs.filter(Q(edited_at__gt=start) | Q(deleted_at__gt=start) | Q(created_at__gt=start))
        changes = list(qs.order_by("id")[: limit + 1])
        reload = len(changes) > limit
        changes = changes[:limit]
    return CatchUp(messages=page.messages, changes=changes, more=page.has_newer, reload=reload, cursor=cursor)


def salon_members(salon: Salon):
    return (
        Membership.objects.filter(salon=salon)
        .select_related("user")
        .order_by("-role", "user__last_name", "user__first_name")
    )


def dashboard_context(request) -> dict | None:
    """« Mes salons »: the agent's live salons with unread counts (two queries whatever their number)."""
    user = request.user
    if not user.is_authenticated:
        return None
    rows = [r for r in salon_list(user) if not r.salon.archived]
    return {"rows": rows[:8], "more": max(0, len(rows) - 8), "total_unread": sum(r.unread for r in rows)}


def profile_context(request, person) -> dict | None:
    """The salons an agent is in that the viewer may see: open salons and salons they share. One query."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    viewer = request.user
    shared = Exists(Membership.objects.filter(salon=OuterRef("pk"), user=viewer))
    salons = list(
        Salon.objects.filter(memberships__user=person, archived=False)
        .exclude(kind=SalonKind.DIRECT)
        .annotate(shared=shared)
        .filter(Q(kind=SalonKind.OPEN) | Q(shared=True))
        .order_by("name")
    )
    if not salons:
        return None
    return {
        "title": _("Salons de discussion"),
        "items": [
            {
                "label": s.name,
                "url": reverse("chat:salon", args=[s.pk])
                if s.shared
                else reverse("chat:index") + f"#salon-{s.pk}",
                "meta": s.get_kind_display(),
            }
            for s in salons
        ],
    }


def department_context(request, department) -> dict | None:
    """The department's salon on its directory page: a link for its members, a mention for the others (the
    salon's existence is no secret, its messages are). One query."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    viewer = request.user
    salon = (
        Salon.objects.filter(department=department, kind=SalonKind.DEPARTMENT, archived=False)
        .annotate(shared=Exists(Membership.objects.filter(salon=OuterRef("pk"), user=viewer)))
        .only("id", "name")
        .first()
    )
    if salon is None:
        return None
    if salon.shared:
        items = [{"label": salon.name, "url": reverse("chat:salon", args=[salon.pk]), "meta": _("Ouvrir")}]
        return {"title": _("Salon du service"), "items": items}
    return {
        "title": _("Salon du service"),
        "items": [],
        "empty": _("Le salon « %(name)s » réunit les agents du service.") % {"name": salon.name},
    }


def colleague_suggestions(viewer, text: str, *, limit: int = 8) -> list:
    """Active agents whose name or login matches every word typed (« marie dup », « dupont »), for the
    « Écrire à un ou une collègue » and « Ajouter » fields. One query; nothing under two characters."""
    from django.contrib.auth import get_user_model

    words = [w for w in (text or "").split() if w][:4]
    if not words or len("".join(words)) < 2:
        return []
    qs = get_user_model().objects.filter(is_active=True).exclude(pk=viewer.pk)
    for word in words:
        word = word[:60]
        qs = qs.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(username__icontains=word)
        )
    return list(qs.select_related("department").order_by("last_name", "first_name", "username")[:limit])


def active_colleague(value: str):
    """The active agent with this login, or else the only one with this full name (« Marie Dupont »)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Value
    from django.db.models.functions import Concat

    value = " ".join((value or "").split())[:150]
    if not value:
        return None
    users = get_user_model().objects.filter(is_active=True)
    found = users.filter(username=value).first()
    if found is None:
        full = Concat("first_name", Value(" "), "last_name")
        named = list(users.annotate(full=full).filter(full__iexact=value)[:2])
        found = named[0] if len(named) == 1 else None
    return found


def mention_candidates(salon: Salon, viewer) -> list[str]:
    """The full names of the salon's other members, as `@Prénom Nom` mentions match them. One query."""
    rows = (
        Membership.objects.filter(salon=salon, user__is_active=True)
        .exclude(user=viewer)
        .values_list("user__first_name", "user__last_name", "user__username")
        .order_by("user__first_name", "user__last_name")
    )
    return [f"{first} {last}".strip() or username for first, last, username in rows]
