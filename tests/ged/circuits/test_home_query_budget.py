"""The home page with both of issue 18's panels showing (« À viser »: a desk member with a document to act
on; « Nouveau bulletin »: an unopened payslip) stays within the B9 budget (docs/portal.md, bench
page_render.py): at most 15 queries cold (every fragment out of date, B9's cold page) and 3 warm; with an
empty cache (a restarted cache server) the two panels add four queries between them."""

import datetime
import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ged import storage
from ged.payslips.actions import deposit
from ged.payslips.samples import payroll_pdf
from ged.uploads import stage
from intranet import dashboard
from intranet.news.actions import home_page_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture
def payslip_for(make_user, django_capture_on_commit_callbacks):
    """payslip_for(user): HR deposits one payslip for `user`, who has not opened it."""
    hr = make_user("rh.paie", first_name="Rose", last_name="Hache")
    hr.groups.add(Group.objects.get_or_create(name=settings.PAYSLIPS_MANAGER_GROUP)[0])

    def do(user):
        user.registration_number = "200001"
        user.save(update_fields=["registration_number"])
        period = datetime.date(2026, 11, 1)
        tmp = storage.new_temp_file()
        with tmp:
            tmp.write(payroll_pdf([(user.registration_number, user.get_full_name())], period))
        try:
            staged = stage(tmp.name, name="paie-2026-11.pdf")
        finally:
            os.unlink(tmp.name)
        with django_capture_on_commit_callbacks(execute=True):
            deposit(period=period, files=[staged], by=hr)

    return do


def _home(client) -> tuple[str, list[str]]:
    """Both panels' HTML (the rest of the page carries a fresh CSRF token), and the queries."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    panels = "".join(
        html.split(f'id="panel-{key}"')[1].split("</section>")[0] for key in ("circuits_todo", "payslips_new")
    )
    return panels, [q["sql"] for q in ctx.captured_queries]


def test_home_with_a_step_to_act_on_and_an_unread_payslip_stays_within_budget(
    client, host_org, submit, people, payslip_for
):
    home_page_ensure()
    viewer = people["fin1"]
    circuit = submit()
    payslip_for(viewer)
    client.force_login(viewer)

    html, _queries = _home(client)
    assert f"/parapheur/circuit/{circuit.pk}/" in html and "1 document vous attend" in html
    assert "/mon-coffre/" in html
    dashboard.bump(dashboard.PERMISSIONS, dashboard.PAGES)  # every fragment out of date (B9's cold page)
    cold_html, cold = _home(client)
    assert cold_html == html
    circuits_cold = [q for q in cold if "ged_circuits" in q]
    assert len(circuits_cold) == 1, circuits_cold  # the steps; the desks' roster stays cached
    assert not [q for q in cold if "ged_payslips" in q]  # the map of unopened payslips stays cached
    assert len(cold) <= 15, "\n".join(cold)
    warm_html, warm = _home(client)
    assert warm_html == html and len(warm) <= 3  # session, user, home page: the panels from the cache

    cache.clear()  # nothing cached at all: the roster (2 queries) and the payslips' map (1) are read again
    empty_html, empty = _home(client)
    assert empty_html == html
    assert len([q for q in empty if "ged_circuits" in q]) == 3
    assert len([q for q in empty if "ged_payslips" in q]) == 1
    print(f"\nB9 home with both panels: cold {len(cold)}, warm {len(warm)}, empty cache {len(empty)} queries")
