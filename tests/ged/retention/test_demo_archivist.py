"""The demo archivist edits the management rules, as docs/retention.md says: through the « Archivistes »
group (Wagtail admin access, view / add / change of the rules, no delete), in the Wagtail admin at
/cms/regles-de-gestion/; the Django admin stays IT's. A DUA changed there recomputes the due dates. The
seeder adds the group and the membership once."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ged.retention.actions import record_set
from ged.retention.demo import ARCHIVISTS_GROUP, seed_retention
from ged.retention.models import DocumentRecord, RetentionRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(make_user):
    agents = {
        "francois.declercq": make_user("francois.declercq", first_name="François", last_name="Declercq"),
        "jerome.vandenbroucke": make_user("jerome.vandenbroucke", first_name="Jérôme", last_name="V"),
    }
    seed_retention(stdout=io.StringIO(), agents=agents)
    return agents


def test_the_demo_archivist_reaches_the_rules_in_the_admin(client, demo):
    archivist = demo["francois.declercq"]
    assert archivist.groups.filter(name=ARCHIVISTS_GROUP).exists() and not archivist.is_staff
    assert archivist.has_perm("ged_retention.archivist")
    rule = RetentionRule.objects.get(code="DELIB")
    client.force_login(archivist)
    index = client.get("/cms/regles-de-gestion/")
    assert index.status_code == 200 and "Délibérations du conseil" in index.content.decode()
    assert client.get(f"/cms/regles-de-gestion/edit/{rule.pk}/").status_code == 200
    assert client.get("/cms/regles-de-gestion/new/").status_code == 200
    # No delete: a rule in use is deactivated instead.
    assert client.get(f"/cms/regles-de-gestion/delete/{rule.pk}/").status_code in (302, 403)
    assert RetentionRule.objects.filter(pk=rule.pk).exists()
    # The Django admin is IT's (superusers) only.
    assert client.get("/django-admin/ged_retention/retentionrule/").status_code == 302
    # The visa of the eliminations is not an archivist: no rule screens for him.
    client.force_login(demo["jerome.vandenbroucke"])
    assert client.get("/cms/regles-de-gestion/").status_code in (302, 403)


def test_a_dua_changed_by_the_archivist_recomputes_the_due_dates(client, demo, space, upload):
    archivist = demo["francois.declercq"]
    rule = RetentionRule.objects.get(code="DELIB")
    document, _v = upload(space.root, "Délibération 2001.pdf", b"%PDF-1.4 delib")
    record_set(document=document, rule=rule, event_date=datetime.date(2001, 3, 1), actor=archivist)
    client.force_login(archivist)
    form = {
        "code": rule.code,
        "label": rule.label,
        "dua_years": 20,
        "start_event": rule.start_event,
        "final_disposition": rule.final_disposition,
        "communicability": rule.communicability,
        "notes": rule.notes,
        "example": "on",
        "active": "on",
    }
    response = client.post(f"/cms/regles-de-gestion/edit/{rule.pk}/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert rule.dua_years == 20
    assert DocumentRecord.objects.get(document=document).due_date == datetime.date(2021, 3, 1)


def test_a_second_seed_writes_nothing(demo):
    with CaptureQueriesContext(connection) as ctx:
        seed_retention(stdout=io.StringIO(), agents=demo)
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
