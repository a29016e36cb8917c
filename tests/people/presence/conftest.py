"""The directory's small chart, a fixed clock (Wednesday 9 December 2026, 10:00 in Paris) and absences with
reasons that must never reach anyone but their agent."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from intranet.people.choices import AbsenceSource, AbsenceVisibility
from intranet.people.models import Absence
from tests.people.directory.conftest import chart, helene_client  # noqa: F401  (shared fixtures)

WEDNESDAY = date(2026, 12, 9)
NOW = datetime(2026, 12, 9, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
SECRET_REASON = "Arrêt maladie confidentiel"
HIDDEN_REASON = "Rendez-vous médical privé"


@pytest.fixture
def frozen(monkeypatch):
    """`timezone.now()` (and so `localdate()`) answers the fixed instant."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def week(chart, frozen):  # noqa: F811  (the imported fixture)
    """Hélène: office Mon/Tue/Thu, remote Wed, no absence (the chart's « absent jusqu'au » is cleared).
    Noël: absent Tue 8 → Fri 11 with dates shown. Paul: absent Wed 9 with dates hidden. Anaïs: no pattern."""
    chart.helene.absent_until = None
    chart.helene.remote_days = [3]
    chart.helene.save()
    chart.noel.office_days, chart.noel.remote_days = [1, 2, 3, 4, 5], []
    chart.noel.backup_contact = chart.paul
    chart.noel.save()
    chart.paul.office_days = [1, 2, 3]
    chart.paul.save()
    noel_absence = Absence.objects.create(
        user=chart.noel,
        start=date(2026, 12, 8),
        end=date(2026, 12, 11),
        reason=SECRET_REASON,
        source=AbsenceSource.HR,
        hr_ref="RH-1",
    )
    paul_absence = Absence.objects.create(
        user=chart.paul,
        start=WEDNESDAY,
        end=WEDNESDAY,
        reason=HIDDEN_REASON,
        visibility=AbsenceVisibility.ABSENT_ONLY,
        source=AbsenceSource.AGENT,
    )
    chart.noel_absence, chart.paul_absence = noel_absence, paul_absence
    return chart
