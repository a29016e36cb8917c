"""`manage.py seed_demo` builds a living territory once and changes nothing the second time."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intranet.people.models import Department, Organisation, User

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_territory_and_is_idempotent(capsys):
    call_command("seed_demo", force=True)  # test settings run with DEBUG off
    out = capsys.readouterr().out
    assert Organisation.objects.communes().count() == 50
    assert Organisation.objects.get(insee_code="59295").name == "Hazebrouck"
    host = Organisation.objects.get(is_host=True)
    assert host.siren == "200040947"
    assert User.objects.count() >= 40
    assert Department.objects.filter(name="Ressources humaines").exists()
    assert User.objects.filter(employer__name="Bailleul").exists()
    assert "admin.si" in out and "demo-ccfi-2026" in out
    # Every agent with a department is in its group, and managers are set.
    for user in User.objects.filter(department__isnull=False).select_related("department"):
        assert user.groups.filter(pk=user.department.group_id).exists()
    assert User.objects.filter(manager__isnull=False).count() >= 30

    with CaptureQueriesContext(connection) as ctx:
        call_command("seed_demo", force=True)
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []


def test_seed_demo_refuses_production_without_force(settings, capsys):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises((CommandError, SystemExit)):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_prints_the_address_make_run_serves(monkeypatch, capsys):
    """`make run PORT=9123` passes DEMO_URL: the printed address is the one the demo is served at."""
    monkeypatch.setenv("DEMO_URL", "http://127.0.0.1:9123/")
    call_command("seed_demo", force=True)
    assert "Ouvrez http://127.0.0.1:9123/ et connectez-vous" in capsys.readouterr().out


def test_welcome_notification_opens_the_profile_edit_page():
    """« Complétez votre profil » leads where the profile is completed."""
    from intranet.notifications.models import Notification

    call_command("seed_demo", force=True)
    welcomes = Notification.objects.filter(verb="welcome")
    assert welcomes.exists()
    assert set(welcomes.values_list("url", flat=True)) == {"/annuaire/moi/modifier/"}


def test_readme_lists_every_demo_login_and_totp_secret():
    """The README's demo table names every account `make run` prints (the news approver included), and
    every demo TOTP secret seed_demo enrols."""
    from pathlib import Path

    from intranet.people.demo import DEMO_LOGINS
    from intranet.twofactor.demo import DEMO_TOTP_SECRETS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for username, _role in DEMO_LOGINS:
        assert f"| `{username}` |" in readme, username
    for username, secret in DEMO_TOTP_SECRETS.items():
        assert f"| `{username}` | `{secret}` |" in readme, username
    assert "news approver" in readme
