"""Who acts for a desk, and who may see a circuit.

One rule, used by the pages, the actions and the notifications: an agent acts for a desk as one of its
members, as the deputy of a current delegation of the desk (« pour le compte de » the desk), or as the
deputy of a member who delegated (« pour le compte de » that member). A circuit is shown only to those who
may read its document; deciding or annotating needs to act for the active step's desk; anyone else gets 404.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404

from intranet.params import BadParameter, parse_id

from ..permissions import access_document, users_who_may
from .models import Circuit, CircuitStep, Delegation, Desk, StepAction


@dataclass(frozen=True)
class Seat:
    """Whose decision an action counts as: the agent themselves, or the absent agent or desk they replace."""

    user_id: int
    delegation: Delegation | None = None
    on_behalf_of: str = ""


def desk_ids_for(user, day=None) -> set[int]:
    """The desks `user` may act for today (member, desk deputy, or deputy of a member): one query."""
    if not (user.is_authenticated and user.is_active):
        return set()
    current = Delegation.objects.current(day).filter(deputy=user)
    return set(
        Desk.objects.filter(
            Q(members=user)
            | Q(pk__in=current.filter(desk__isnull=False).values("desk"))
            | Q(members__in=current.filter(person__isnull=False).values("person"))
        )
        .values_list("pk", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class Roster:
    """Today's desks at once: each desk's active members and every current delegation, the facts `seats` and
    `desk_ids_for` read desk by desk. Plain data (the home page's panel caches it for everyone, hooks.py);
    the actions keep reading `seats`, fresh from the database, before they record anything."""

    members: dict[int, frozenset[int]]  # desk id -> its active members
    # (desk id or None, absent agent id or None, deputy id) of each current delegation, oldest first
    delegations: tuple[tuple[int | None, int | None, int], ...]

    def actor_ids(self) -> set[int]:
        """Everyone who acts for some desk today: members and deputies."""
        out = {deputy for *_rest, deputy in self.delegations}
        for ids in self.members.values():
            out |= ids
        return out

    def seat_ids(self, user_id: int, desk_id: int) -> list[int]:
        """Whose seats `user_id` holds on the desk, their own first: the same seats as `seats`."""
        members = self.members.get(desk_id, frozenset())
        out = [user_id] if user_id in members else []
        for d_id, person_id, deputy_id in self.delegations:
            if deputy_id != user_id:
                continue
            if d_id is not None:
                if d_id == desk_id and user_id not in members:
                    out.append(user_id)
            elif person_id in members and person_id != user_id:
                out.append(person_id)
        return out

    def held(self, user_id: int) -> dict[int, list[int]]:
        """Desk id -> the seats `user_id` holds there, for every desk where they hold one."""
        desks = {d for d, ids in self.members.items() if user_id in ids}
        for d_id, person_id, deputy_id in self.delegations:
            if deputy_id == user_id:
                if d_id is not None:
                    desks.add(d_id)
                else:
                    desks |= {d for d, ids in self.members.items() if person_id in ids}
        out = {d: self.seat_ids(user_id, d) for d in desks}
        return {d: ids for d, ids in out.items() if ids}


def desk_roster(day=None) -> Roster:
    """Today's roster of every desk: two queries, whatever the number of desks and delegations."""
    members: dict[int, set[int]] = {}
    for desk_id, user_id in Desk.members.through.objects.filter(user__is_active=True).values_list(
        "desk_id", "user_id"
    ):
        members.setdefault(desk_id, set()).add(user_id)
    delegations = tuple(
        Delegation.objects.current(day).order_by("pk").values_list("desk_id", "person_id", "deputy_id")
    )
    return Roster(members={d: frozenset(ids) for d, ids in members.items()}, delegations=delegations)


def seats(user, desk: Desk, day=None) -> list[Seat]:
    """Every seat `user` holds on `desk` today, their own first. Two queries."""
    if not (user.is_authenticated and user.is_active):
        return []
    out = []
    member_ids = set(desk.members.filter(is_active=True).values_list("pk", flat=True))
    if user.pk in member_ids:
        out.append(Seat(user.pk))
    current = Delegation.objects.current(day).filter(deputy=user).select_related("person", "desk")
    for delegation in current.filter(Q(desk=desk) | Q(person_id__in=member_ids)).order_by("pk"):
        if delegation.desk_id:
            if user.pk not in member_ids:
                out.append(Seat(user.pk, delegation, desk.name))
        elif delegation.person_id != user.pk:
            out.append(Seat(delegation.person_id, delegation, delegation.person.get_full_name()))
    return out


def free_seat(user, step: CircuitStep, day=None) -> Seat | None:
    """The first seat of `user` on the step's desk that has not decided at this step yet."""
    held = seats(user, step.desk, day)
    if not held:
        return None
    decided = set(
        StepAction.objects.filter(step=step, decision__in=["approve", "reject"]).values_list(
            "seat_id", flat=True
        )
    )
    return next((s for s in held if s.user_id not in decided), None)


def desk_actors(desk: Desk, day=None) -> set[int]:
    """Everyone who may act for `desk` today: its active members and the deputies of current delegations
    (of the desk, or of one of its members). Two queries."""
    members = set(desk.members.filter(is_active=True).values_list("pk", flat=True))
    deputies = set(
        Delegation.objects.current(day)
        .filter(Q(desk=desk) | Q(person_id__in=members))
        .values_list("deputy_id", flat=True)
    )
    return members | deputies


def step_recipients(step: CircuitStep, document) -> list[int]:
    """The desk's actors who may read the document right now (nobody hears of a document they cannot open)."""
    return users_who_may(desk_actors(step.desk), document=document)


def access_circuit(user, pk) -> tuple[Circuit, dict]:
    """The circuit and the viewer's abilities on it, or 404 (missing and forbidden alike)."""
    try:
        circuit = Circuit.objects.select_related("document", "version", "submitted_version", "submitter").get(
            pk=parse_id(pk)
        )
    except (Circuit.DoesNotExist, BadParameter):
        raise Http404 from None
    # Every reader of the document sees its circuit (as the document page does); acting needs the desk.
    access_document(user, circuit.document_id)  # 404 unless the viewer may read the document
    desk_ids = desk_ids_for(user)
    active = circuit.steps.select_related("desk").filter(status="active").first()
    seat = None
    if active is not None and not circuit.finished and active.desk_id in desk_ids:
        seat = free_seat(user, active)
    abilities = {
        "act": seat is not None,
        "annotate": active is not None and not circuit.finished and active.desk_id in desk_ids,
        "bordereau": circuit.finished,
    }
    return circuit, {"abilities": abilities, "active": active, "seat": seat, "desk_ids": desk_ids}


def visible_actions_q(user, desk_ids: set[int]) -> Q:
    """Public actions, and private annotations to their author and to those acting for the same desk."""
    return Q(visibility="public") | Q(actor=user) | Q(desk_id__in=desk_ids)
