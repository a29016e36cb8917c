"""Project notifications through notify() (kind « projects », so each agent's e-mail preference decides):
mentions in comments, due dates and milestones drawing near or late, and forgetting them when an agent leaves
a team.

Rule: a notification names a card only to someone who may read it now — current members of its project.
"""

import datetime
import re

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.notifications.actions import notify
from intranet.notifications.models import Notification

from .choices import MemberRole, Status
from .models import Card, Member, Milestone

# « @claire.martin » — a login as the directory writes them; a trailing dot ends the sentence, not the login.
MENTION_RE = re.compile(r"(?<![\w.@])@([\w][\w.+-]*)")
DUE_VERB = "projects.due_soon"
MILESTONE_SOON_VERB = "projects.milestone_soon"
MILESTONE_LATE_VERB = "projects.milestone_late"


def _full_name(user) -> str:
    return (user.get_full_name() or user.username) if user else _("Quelqu'un")


def mentioned_usernames(text: str) -> set[str]:
    return {m.rstrip(".").lower() for m in MENTION_RE.findall(text or "")}


def notify_mentions(*, card: Card, author, text: str) -> list[int]:
    """Notify the roster members named « @login » in a comment (not the author, never a non-member: a
    mention of an outsider reveals nothing). Two queries. Returns the ids notified."""
    names = mentioned_usernames(text)
    if not names:
        return []
    workspace = card.board.workspace
    ids = [
        pk
        for pk, username in Member.objects.filter(
            workspace_id=workspace.pk, user__is_active=True
        ).values_list("user_id", "user__username")
        if username.lower() in names and pk != getattr(author, "pk", None)
    ]
    if ids:
        notify(
            recipients=ids,
            verb="projects.mention",
            text=_("%(who)s vous mentionne dans un commentaire de la carte « %(card)s ».")
            % {"who": _full_name(author), "card": card.title},
            url=reverse("projects:card", args=[card.pk]),
            email=True,
            place=workspace.name,
        )
    return ids


def due_url(card_id: int, due: datetime.date) -> str:
    """The reminder's link; its fragment names the due date, which makes « one reminder per card and due
    date » a lookup on the notifications already sent."""
    return f"{reverse('projects:card', args=[card_id])}#echeance-{due.isoformat()}"


def due_reminders(*, today=None, days: int | None = None) -> int:
    """Remind the assignees of live cards due within `days` (today included) on open projects they are
    still in. Idempotent: one reminder per (agent, card, due date); a moved due date is reminded again.
    Returns the number of notifications created."""
    today = today or timezone.localdate()
    days = days if days is not None else getattr(settings, "PROJECTS_DUE_REMINDER_DAYS", 2)
    horizon = today + datetime.timedelta(days=days)
    assigned = Card.assignees.through.objects
    still_in = Exists(
        Member.objects.filter(workspace_id=OuterRef("card__board__workspace_id"), user=OuterRef("user"))
    )
    pairs = list(
        assigned.filter(
            still_in,
            card__archived_at__isnull=True,
            card__due_date__gte=today,
            card__due_date__lte=horizon,
            user__is_active=True,
        )
        .exclude(card__board__workspace__status=Status.CLOSED)
        .values_list("card_id", "card__title", "card__due_date", "card__board__workspace__name", "user_id")
        .order_by("card__due_date", "card_id", "user_id")
    )
    if not pairs:
        return 0
    urls = {due_url(pk, due) for pk, _t, due, _w, _u in pairs}
    already = set(Notification.objects.filter(verb=DUE_VERB, url__in=urls).values_list("recipient_id", "url"))
    by_card: dict[tuple, list[int]] = {}
    for pk, title, due, ws_name, user_id in pairs:
        url = due_url(pk, due)
        if (user_id, url) in already:
            continue
        by_card.setdefault((pk, title, due, ws_name, url), []).append(user_id)
    created = 0
    for (_pk, title, due, ws_name, url), users in by_card.items():
        if due == today:
            text = _("La carte « %(card)s » arrive à échéance aujourd'hui.") % {"card": title}
        else:
            text = _("La carte « %(card)s » arrive à échéance le %(date)s.") % {
                "card": title,
                "date": due.strftime("%d/%m/%Y"),
            }
        with transaction.atomic():
            created += len(
                notify(recipients=users, verb=DUE_VERB, text=text, url=url, email=True, place=ws_name)
            )
    return created


def milestone_url(milestone_id: int, date: datetime.date, *, late: bool) -> str:
    """The reminder's link; its fragment names the date and the reminder (« bientôt » or « en retard »), so
    each is sent once per agent, milestone and date, and a moved milestone is reminded again."""
    state = "retard" if late else "bientot"
    return f"{reverse('projects:milestone', args=[milestone_id])}#jalon-{date.isoformat()}-{state}"


def milestone_reminders(*, today=None, days: int | None = None) -> int:
    """Tell the project's responsables and the assignees of a milestone's live cards (active, still in the
    roster) that an open milestone falls within `days` (today included), or that its date has passed while
    it is still open. Projects that are closed are left alone. Idempotent: one reminder of each kind per
    (agent, milestone, date). Five queries, then one notify() per milestone to remind. Returns the number of
    notifications created."""
    today = today or timezone.localdate()
    days = days if days is not None else getattr(settings, "PROJECTS_DUE_REMINDER_DAYS", 2)
    horizon = today + datetime.timedelta(days=days)
    milestones = list(
        Milestone.objects.filter(closed_at__isnull=True, date__lte=horizon)
        .exclude(workspace__status=Status.CLOSED)
        .select_related("workspace")
        .order_by("date", "pk")
    )
    if not milestones:
        return 0
    workspace_ids = {m.workspace_id for m in milestones}
    members = set(
        Member.objects.filter(workspace_id__in=workspace_ids, user__is_active=True).values_list(
            "workspace_id", "user_id"
        )
    )
    people: dict[int, set[int]] = {m.pk: set() for m in milestones}
    managers = Member.objects.filter(
        workspace_id__in=workspace_ids, role=MemberRole.MANAGER, user__is_active=True
    ).values_list("workspace_id", "user_id")
    by_workspace: dict[int, set[int]] = {}
    for workspace_id, user_id in managers:
        by_workspace.setdefault(workspace_id, set()).add(user_id)
    for m in milestones:
        people[m.pk] |= by_workspace.get(m.workspace_id, set())
    workspace_of = {m.pk: m.workspace_id for m in milestones}
    for milestone_id, user_id in Card.assignees.through.objects.filter(
        card__milestone_id__in=list(people), card__archived_at__isnull=True
    ).values_list("card__milestone_id", "user_id"):
        if (workspace_of[milestone_id], user_id) in members:
            people[milestone_id].add(user_id)
    urls = {m.pk: milestone_url(m.pk, m.date, late=m.date < today) for m in milestones}
    already = set(
        Notification.objects.filter(
            verb__in=[MILESTONE_SOON_VERB, MILESTONE_LATE_VERB], url__in=set(urls.values())
        ).values_list("recipient_id", "url")
    )
    created = 0
    for m in milestones:
        recipients = [uid for uid in sorted(people[m.pk]) if (uid, urls[m.pk]) not in already]
        if not recipients:
            continue
        names = {"name": m.name, "project": m.workspace.name, "date": m.date.strftime("%d/%m/%Y")}
        with transaction.atomic():
            if m.date < today:
                created += len(
                    notify(
                        recipients=recipients,
                        verb=MILESTONE_LATE_VERB,
                        text=_(
                            "Le jalon « %(name)s » du projet « %(project)s » est en retard : prévu le "
                            "%(date)s, il n'est pas clos."
                        )
                        % names,
                        url=urls[m.pk],
                        email=True,
                        place=m.workspace.name,
                    )
                )
            else:
                text = (
                    _("Le jalon « %(name)s » du projet « %(project)s » tombe aujourd'hui.")
                    if m.date == today
                    else _("Le jalon « %(name)s » du projet « %(project)s » tombe le %(date)s.")
                ) % names
                created += len(
                    notify(
                        recipients=recipients,
                        verb=MILESTONE_SOON_VERB,
                        text=text,
                        url=urls[m.pk],
                        email=True,
                        place=m.workspace.name,
                    )
                )
    return created


def forget_for_leaver(*, workspace_id: int, user_id: int) -> int:
    """Delete the agent's project notifications that name cards or milestones of a project they just left:
    the bell must not keep showing titles they may no longer read, and a reminder still waiting for the daily
    digest (or an immediate e-mail not yet sent) goes with its row, so it is never mailed. Three queries at
    most."""
    rows = list(
        Notification.objects.filter(
            recipient_id=user_id, verb__startswith="projects.", url__startswith="/"
        ).values_list("pk", "url")
    )
    card_ids: dict[int, int] = {}
    milestone_ids: dict[int, int] = {}
    card_prefix = reverse("projects:card", args=[0]).rsplit("0/", 1)[0]
    milestone_prefix = reverse("projects:milestone", args=[0]).rsplit("0/", 1)[0]
    for pk, url in rows:
        for prefix, found in ((card_prefix, card_ids), (milestone_prefix, milestone_ids)):
            if url.startswith(prefix):
                head = url[len(prefix) :].split("/", 1)[0]
                if head.isdigit():
                    found[pk] = int(head)
                break
    theirs_cards = set()
    if card_ids:
        theirs_cards = set(
            Card.objects.filter(pk__in=set(card_ids.values()), board__workspace_id=workspace_id).values_list(
                "pk", flat=True
            )
        )
    theirs_milestones = set()
    if milestone_ids:
        theirs_milestones = set(
            Milestone.objects.filter(
                pk__in=set(milestone_ids.values()), workspace_id=workspace_id
            ).values_list("pk", flat=True)
        )
    doomed = [pk for pk, card_id in card_ids.items() if card_id in theirs_cards]
    doomed += [pk for pk, m_id in milestone_ids.items() if m_id in theirs_milestones]
    if doomed:
        Notification.objects.filter(pk__in=doomed).delete()
    return len(doomed)
