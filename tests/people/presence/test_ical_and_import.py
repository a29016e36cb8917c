"""The team absence calendar behind a secret (dates and names only) and the HR import command."""

import io

import pytest
from django.core.management import CommandError, call_command

from intranet.people.models import Absence
from intranet.people.presence_actions import presence_feed_token_create, presence_feed_token_revoke

from .conftest import HIDDEN_REASON, SECRET_REASON

pytestmark = pytest.mark.django_db


def test_team_calendar_has_dates_and_names_never_reasons(week, client):
    secret = presence_feed_token_create(user=week.helene)
    response = client.get(f"/qui-est-la/agenda/{secret}/{week.amenagement.slug}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "SUMMARY:Absent·e : Noël Vanhée" in body
    assert "DTSTART;VALUE=DATE:20261208" in body and "DTEND;VALUE=DATE:20261212" in body
    # Paul hides his dates: not in the calendar at all. No reason anywhere.
    assert "Paul" not in body
    assert SECRET_REASON not in body and HIDDEN_REASON not in body


@pytest.mark.parametrize("case", ["forged", "revoked", "unknown-department", "leaver"])
def test_bad_secret_or_department_is_404(week, client, case):
    """A forged or revoked secret, an unknown department, a leaver's secret: 404 alike; the control request
    with a good secret answers."""
    secret = presence_feed_token_create(user=week.helene)
    slug = week.amenagement.slug
    url = f"/qui-est-la/agenda/{secret}/{slug}.ics"
    assert client.get(url).status_code == 200
    if case == "forged":
        url = f"/qui-est-la/agenda/{secret[:-2]}xx/{slug}.ics"
    elif case == "revoked":
        presence_feed_token_revoke(user=week.helene)
    elif case == "unknown-department":
        url = f"/qui-est-la/agenda/{secret}/nulle-part.ics"
    else:
        week.helene.is_active = False
        week.helene.save()
    assert client.get(url).status_code == 404


def test_new_secret_replaces_the_old_one(week, client):
    old = presence_feed_token_create(user=week.helene)
    new = presence_feed_token_create(user=week.helene)
    slug = week.amenagement.slug
    assert client.get(f"/qui-est-la/agenda/{old}/{slug}.ics").status_code == 404
    assert client.get(f"/qui-est-la/agenda/{new}/{slug}.ics").status_code == 200


GOOD = (
    "identifiant;debut;fin;motif;reference\n"
    "helene.lefebvre;14/12/2026;18/12/2026;Congés annuels;RH-100\n"
    "noel.vanhee@ccfi.example;2026-12-21;2026-12-24;;RH-101\n"
)


def _import(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "absences.csv"
    path.write_bytes(text.encode(encoding))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_absences", str(path), stdout=out, stderr=err)
    return out.getvalue()


def test_import_creates_then_changes_nothing_on_the_same_file(chart, tmp_path):
    assert "2 créée(s)" in _import(tmp_path, "\ufeff" + GOOD)
    rows = {a.hr_ref: a for a in Absence.objects.all()}
    assert rows["RH-100"].user == chart.helene and rows["RH-100"].reason == "Congés annuels"
    assert rows["RH-101"].user == chart.noel and rows["RH-101"].source == "hr"
    assert "2 inchangée(s)" in _import(tmp_path, GOOD)
    assert Absence.objects.count() == 2


def test_import_updates_and_cancels_but_keeps_the_agents_visibility(chart, tmp_path):
    _import(tmp_path, GOOD)
    Absence.objects.filter(hr_ref="RH-100").update(visibility="absent")
    changed = (
        "identifiant;debut;fin;reference;annulee\n"
        "helene.lefebvre;14/12/2026;19/12/2026;RH-100;\n"
        "noel.vanhee;21/12/2026;24/12/2026;RH-101;oui\n"
    )
    out = _import(tmp_path, changed)
    assert "1 mise(s) à jour" in out and "1 supprimée(s)" in out
    absence = Absence.objects.get(hr_ref="RH-100")
    assert absence.end.isoformat() == "2026-12-19" and absence.visibility == "absent"
    assert not Absence.objects.filter(hr_ref="RH-101").exists()


def test_bad_file_imports_nothing_and_says_which_lines_in_french(chart, tmp_path):
    bad = GOOD + (
        "inconnu;01/12/2026;02/12/2026;;RH-102\n"
        "paul.dewitte;31/02/2026;02/12/2026;;RH-103\n"
        "paul.dewitte;05/12/2026;02/12/2026;;RH-104\n"
        "paul.dewitte;01/12/2026;02/12/2026;;RH-100\n"
    )
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="aucune absence n'a été importée"):
        call_command("import_absences", str(path), stdout=io.StringIO(), stderr=err)
    messages = err.getvalue()
    assert "Ligne 4 : aucun agent « inconnu »" in messages
    assert "Ligne 5 : date de début illisible" in messages
    assert "Ligne 6 : la fin est avant le début" in messages
    assert "Ligne 7 : référence « RH-100 » déjà vue ligne 2" in messages
    assert Absence.objects.count() == 0


def test_missing_columns_and_wrong_encoding_are_refused(chart, tmp_path):
    with pytest.raises(CommandError):
        _import(tmp_path, "nom;debut\nx;01/01/2026\n")
    with pytest.raises(CommandError):
        _import(
            tmp_path, "identifiant;debut;fin;reference\nhélène;01/01/2026;02/01/2026;R\n", encoding="latin-1"
        )
    with pytest.raises(CommandError, match="introuvable"):
        call_command("import_absences", str(tmp_path / "absent.csv"))
    assert Absence.objects.count() == 0
