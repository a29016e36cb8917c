"""The accessibility statement (/accessibilite/): public, legal state from the last recorded audit only,
automated runs shown as evidence, linked from every footer."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from intranet.accessibility.models import Audit, CheckRun, KnownException, PlanYear, Statement

pytestmark = pytest.mark.django_db

URL = "/accessibilite/"


def _audit(met, applicable=100, **fields):
    return Audit.objects.create(
        date=fields.pop("date", datetime.date(2026, 11, 3)),
        auditor="Cabinet Exemple",
        criteria_met=met,
        criteria_applicable=applicable,
        **fields,
    )


def test_statement_without_audit_says_non_conforme_to_anyone(client):
    """No audit recorded: « non conforme », whatever the automated checks say; readable signed out."""
    CheckRun.objects.create(
        base_url="http://127.0.0.1:8000",
        browser="Chromium 1",
        axe_version="4.10.0",
        finished_at=datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC),
        results=[{"path": "/", "label": "Accueil", "width": 1280, "violations": [], "overflow": False}],
    )
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>non conforme</strong>" in html
    assert "Aucun audit de conformité" in html
    assert "axe-core 4.10.0" in html


@pytest.mark.parametrize(
    ("met", "expected"),
    [
        (100, "totalement conforme"),
        (75, "partiellement conforme"),
        (50, "partiellement conforme"),
        (49, "non conforme"),
    ],
)
def test_statement_state_follows_the_last_audit_rate(client, met, expected):
    """100 % is « totalement », 50 % and more « partiellement », less « non conforme »; the latest counts."""
    _audit(10, date=datetime.date(2025, 1, 1))
    _audit(met)
    html = client.get(URL).content.decode()
    assert f"<strong>{expected}</strong>" in html
    assert "Cabinet Exemple" in html
    assert f"{met},0 %" in html


def test_audit_cannot_meet_more_criteria_than_applicable():
    """The database refuses an impossible audit."""
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        _audit(101)
    _audit(100)


def test_statement_shows_plan_exceptions_contact_and_footprint(client):
    statement = Statement.current()
    statement.contact_email = "a11y@ccfi.example"
    statement.save()
    PlanYear.objects.create(year=2027, actions="Audit externe\nFormation des rédacteurs")
    KnownException.objects.create(
        kind="charge", subject="Cartes interactives", detail="Une liste les remplace."
    )
    CheckRun.objects.create(
        base_url="http://127.0.0.1:8000",
        browser="Chromium 1",
        axe_version="4.10.0",
        finished_at=datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC),
        results=[
            {
                "path": "/",
                "label": "Accueil",
                "width": 1280,
                "violations": [],
                "overflow": False,
                "bytes": 40960,
                "requests": 6,
            },
            {
                "path": "/",
                "label": "Accueil",
                "width": 390,
                "violations": [],
                "overflow": True,
                "bytes": 40000,
                "requests": 6,
            },
            {
                "path": "/annuaire/",
                "label": "Annuaire",
                "width": 1280,
                "violations": [
                    {"id": "color-contrast", "impact": "serious", "help": "Contraste insuffisant", "nodes": 2}
                ],
                "overflow": False,
                "bytes": 20480,
                "requests": 4,
            },
        ],
    )
    html = client.get(URL).content.decode()
    assert "a11y@ccfi.example" in html
    assert "Formation des rédacteurs" in html and ">2027<" in html
    assert "Dérogation pour charge disproportionnée" in html and "Cartes interactives" in html
    assert "Contraste insuffisant" in html and "défilement horizontal" in html
    assert "1 violation détectée" in html
    assert "40,0\xa0Kio" in html and "20,0\xa0Kio" in html  # per page, at the widest width


def test_statement_query_count(client, django_assert_num_queries):
    """Last audit, last run, statement, plan, exceptions, and the layout's host organisation (signed out)."""
    Statement.current()
    with django_assert_num_queries(6):
        assert client.get(URL).status_code == 200


def test_statement_refuses_writes(client):
    assert client.post(URL).status_code == 405
    assert client.head(URL).status_code == 200


@pytest.mark.parametrize("path", ["/connexion/", "/"])
def test_footer_links_the_statement(client, make_user, path):
    """Every page's footer links it, signed out (login page) and signed in."""
    if path == "/":
        client.force_login(make_user())
    html = client.get(path).content.decode()
    assert f'href="{URL}"' in html


def test_check_command_refuses_bad_input(make_user):
    """A clear French message, no traceback, for a bad URL, an unknown or inactive agent, a silly width."""
    make_user("actif")
    make_user("parti", is_active=False)
    with pytest.raises(CommandError, match="Adresse invalide"):
        call_command("accessibility_check", "--url", "ftp://x", "--as", "actif")
    with pytest.raises(CommandError, match="Aucun agent actif « parti »"):
        call_command("accessibility_check", "--url", "http://127.0.0.1:1", "--as", "parti")
    with pytest.raises(CommandError, match="entre 200 et 4000"):
        call_command("accessibility_check", "--url", "http://127.0.0.1:1", "--as", "actif", "--width", "10")
    assert not CheckRun.objects.exists()


def test_it_edits_the_statement_in_the_technical_admin(client, make_user):
    """IT (superusers) edit contact, plan and exceptions; automated runs are read-only there."""
    client.force_login(make_user("dsi", superuser=True))
    assert client.get("/django-admin/accessibility/statement/").status_code == 200
    assert client.get("/django-admin/accessibility/planyear/add/").status_code == 200
    assert client.get("/django-admin/accessibility/checkrun/add/").status_code == 403


def test_public_statement_names_checked_pages_without_their_paths(client):
    """Read signed out, the statement says « Mon profil », « Document »: never the checked agent's login or
    a document's id from the paths the run visited."""
    CheckRun.objects.create(
        base_url="http://127.0.0.1:8000",
        browser="Chromium 1",
        axe_version="4.10.0",
        finished_at=datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC),
        results=[
            {
                "path": "/annuaire/marine.petit/",
                "label": "Mon profil",
                "width": 1280,
                "violations": [],
                "overflow": False,
                "bytes": 1,
                "requests": 1,
            },
            {
                "path": "/documents/document/4242/",
                "label": "Document",
                "width": 1280,
                "violations": [],
                "overflow": False,
                "bytes": 1,
                "requests": 1,
            },
        ],
    )
    html = client.get(URL).content.decode()
    assert "Mon profil" in html and "Document" in html
    assert "marine.petit" not in html and "4242" not in html
