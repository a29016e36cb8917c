"""Reads of the chat: the salon list with unread counts (one query), a page of history, panels."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q

from .choices import SalonKind
from .models import Membership, Message, Salon


def _unread_filter(user) -> Q:
    return (
        Q(salon__messages__id__gt=F("last_read_id"))
        & Q(salon__messages__deleted_at__isnull=True)
        & (Q(salon__messages__author__isnull=True) | ~Q(salon__messages__author=user))
    )


def memberships_with_unread(user, *, include_archived: bool = True):
    """The agent's memberships, each with its salon and `unread`: one query."""
    qs = (
        Membership.objects.filter(user=user)
        .select_related("salon")
        .annotate(unread=Count("salon__messages", filter=_unread_filter(user)))
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


def history_page(salon: Salon, *, before: int | None = None, limit: int | None = None) -> HistoryPage:
    """The latest messages (or those before `before`), oldest first: one query, authors and replies joined."""
    limit = limit or settings.CHAT_PAGE_SIZE
    qs = Message.objects.filter(salon=salon).select_related("author", "reply_to", "reply_to__author")
    if before:
        qs = qs.filter(pk__lt=before)
    rows = list(qs.order_by("-id")[: limit + 1])
    has_older = len(rows) > limit
    rows = list(reversed(rows[:limit]))
    return HistoryPage(messages=rows, has_older=has_older, oldest_id=rows[0].pk if rows else None)


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
