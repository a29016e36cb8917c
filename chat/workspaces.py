"""Chat's side of project teams (`intranet.registry.register_team_provisioner`): a project salon per team,
its members the roster (responsables moderate it), bridged to Matrix like every salon (the membership outbox
row is written by the same transaction). Closing the team archives the salon; reopening unarchives it.

The salon follows the team's visibility: an open team's salon is an open salon (every agent may join it and
read it), a private or secret team's salon is members only — exactly the roster. Turning a team private
removes whoever joined the open salon without being in the roster (their live delivery is cut at once).
While the salon is open, a roster change removes only those who left the roster (`team.departed`), not the
agents who joined the salon by themselves."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record

from .actions import _after_commit_cut, _after_commit_members, salon_archive, salon_create
from .choices import MemberRole, SalonKind
from .models import Membership, Salon


def _salon(team) -> Salon:
    return Salon.objects.get(pk=team.refs["chat"]["salon_id"])


def _chat_role(team_role: str) -> str:
    return MemberRole.MODERATOR if team_role == "manager" else MemberRole.MEMBER


def _kind(team) -> str:
    return SalonKind.OPEN if team.visibility == "open" else SalonKind.PROJECT


def create(team, actor) -> dict:
    users = list(get_user_model().objects.filter(pk__in=team.members))
    salon = salon_create(
        name=team.name[:120], creator=team.lead, kind=_kind(team), topic=team.description, members=users
    )
    _sync(salon, team)
    return {"salon_id": salon.pk}


def _sync(salon: Salon, team) -> None:
    current = dict(Membership.objects.filter(salon=salon).values_list("user_id", "role"))
    if salon.kind == SalonKind.OPEN:
        # Agents may join an open salon by themselves: only those who left the roster go.
        gone = [uid for uid in current if uid not in team.members and uid in team.departed]
    else:
        gone = [uid for uid in current if uid not in team.members]
    if gone:
        Membership.objects.filter(salon=salon, user_id__in=gone).delete()
        _after_commit_cut(salon.pk, gone)
    new = [uid for uid in team.members if uid not in current]
    Membership.objects.bulk_create(
        [Membership(salon=salon, user_id=uid, role=_chat_role(team.members[uid])) for uid in new]
    )
    for uid, team_role in team.members.items():
        if uid in current and current[uid] != _chat_role(team_role):
            Membership.objects.filter(salon=salon, user_id=uid).update(role=_chat_role(team_role))
    if gone or new:
        _after_commit_members(salon.pk)


def sync_roster(team, actor) -> None:
    _sync(_salon(team), team)


def changed(team, actor) -> None:
    """The salon takes the team's name, description and openness (see the module's docstring)."""
    salon = Salon.objects.select_for_update().get(pk=team.refs["chat"]["salon_id"])
    kind = _kind(team)
    fields = {"name": team.name[:120], "topic": (team.description or "").strip()[:500], "kind": kind}
    changed_fields = [f for f, value in fields.items() if getattr(salon, f) != value]
    if changed_fields:
        for f in changed_fields:
            setattr(salon, f, fields[f])
        salon.save(update_fields=changed_fields)
        audit_record(
            action="chat.salon_team_changed", actor=actor, obj=salon, extra={"fields": changed_fields}
        )
    if "kind" in changed_fields:
        _sync(salon, team)  # members only again: whoever joined the open salon outside the roster goes


def close(team, actor) -> None:
    salon_archive(salon=_salon(team), actor=actor, archived=True)


def reopen(team, actor) -> None:
    salon_archive(salon=_salon(team), actor=actor, archived=False)


def resolve(ref, user):
    """A link to the salon, for its members."""
    if not Membership.objects.filter(salon_id=ref.get("salon_id"), user_id=user.pk).exists():
        return None
    return _("Salon du projet"), reverse("chat:salon", args=[ref["salon_id"]])
