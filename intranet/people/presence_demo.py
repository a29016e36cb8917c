"""Demo data of « Qui est là ? »: remote days for agents who are not at the office every day, and a few
absences around today (idempotent: the absences carry a demo reference and are updated in place)."""

from datetime import timedelta

from django.utils import timezone

from .choices import AbsenceSource, AbsenceVisibility
from .models import Absence

# (index in the demo agents' order, first day from today, last day from today, reason, visibility)
DEMO_ABSENCES = [
    (3, -2, 5, "Congés annuels", AbsenceVisibility.DATES),
    (7, 0, 1, "Formation CNFPT", AbsenceVisibility.ABSENT_ONLY),
    (11, 0, 3, "Congés", AbsenceVisibility.DATES),
    (15, 7, 11, "Congés", AbsenceVisibility.DATES),
]


def seed_presence(*, stdout, agents) -> None:
    people = [agents[k] for k in sorted(agents)]
    remote = 0
    for user in people:
        office = set(user.office_days or [])
        wanted = sorted({1, 2, 3, 4, 5} - office) if office else []
        if sorted(user.remote_days or []) != wanted:
            user.remote_days = wanted
            user.save(update_fields=["remote_days"])
            remote += 1
    today = timezone.localdate()
    backups = [u for u in people if u.is_active]
    for index, first, last, reason, visibility in DEMO_ABSENCES:
        if index >= len(people):
            continue
        user = people[index]
        if user.backup_contact_id is None and backups:
            user.backup_contact = next(u for u in backups if u.pk != user.pk)
            user.save(update_fields=["backup_contact"])
        Absence.objects.update_or_create(
            hr_ref=f"demo-{user.username}",
            defaults={
                "user": user,
                "start": today + timedelta(days=first),
                "end": today + timedelta(days=last),
                "reason": reason,
                "visibility": visibility,
                "source": AbsenceSource.HR,
            },
        )
    stdout.write(f"  Présence : {remote} semaine(s) mise(s) à jour, {len(DEMO_ABSENCES)} absence(s)\n")
