"""Demo data of « Qui est là ? »: remote days for agents who are not at the office every day, and a few
absences around today (idempotent: the absences carry a demo reference and are updated in place)."""

from datetime import timedelta

from django.utils import timezone

from .choices import AbsenceSource, AbsenceVisibility
from .models import Absence

# (index in the demo agents' order, first day from today, last day from today, reason, visibility)
DEMO_ABSENCES = [
    (0, -2, 5, "Congés annuels", AbsenceVisibility.DATES),
    (5, 0, 1, "Formation CNFPT", AbsenceVisibility.ABSENT_ONLY),
    (9, 0, 3, "Congés", AbsenceVisibility.DATES),
    (13, 7, 11, "Congés", AbsenceVisibility.DATES),
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
    # Agents who already have a backup contact first, so that colleagues see whom to call instead; the
    # people seeder owns that field, this one never writes it.
    ordered = sorted(people, key=lambda u: (u.backup_contact_id is None, u.username))
    written = 0
    for index, first, last, reason, visibility in DEMO_ABSENCES:
        if index >= len(ordered):
            continue
        user = ordered[index]
        values = {
            "user_id": user.pk,
            "start": today + timedelta(days=first),
            "end": today + timedelta(days=last),
            "reason": reason,
            "visibility": visibility,
            "source": AbsenceSource.HR,
        }
        absence = Absence.objects.filter(hr_ref=f"demo-{user.username}").first()
        if absence is None:
            Absence.objects.create(hr_ref=f"demo-{user.username}", **values)
            written += 1
        elif any(getattr(absence, k) != v for k, v in values.items()):
            # Only when something changed (the dates follow today): a second run the same day writes nothing.
            for k, v in values.items():
                setattr(absence, k, v)
            absence.save(update_fields=list(values))
            written += 1
    stdout.write(f"  Présence : {remote} semaine(s) mise(s) à jour, {written} absence(s) écrite(s)\n")
