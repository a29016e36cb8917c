"""« Qui est là ? » per site: the section rooms registers groups the agents at the office by site, read from
the « bureau / site » of their profile (site name, else the site's commune)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from intranet.people.models import Organisation
from rooms.models import Site

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime(2026, 12, 9, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def test_agents_at_the_office_are_grouped_by_site(client, make_user, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: WEDNESDAY)
    hazebrouck = Organisation.objects.create(name="Hazebrouck", kind="commune", insee_code="59295")
    siege = Site.objects.create(name="Siège communautaire", slug="siege", commune=hazebrouck)
    Site.objects.create(name="Hôtel Sockeel", slug="sockeel")
    viewer = make_user("lecteur", office_days=[1])
    make_user(
        "ana", first_name="Ana", last_name="Bureau", office_days=[3], office="Siège – Hazebrouck, 1er étage"
    )
    make_user("bob", first_name="Bob", last_name="Sockeel", office_days=[3], office="hotel sockeel")
    make_user("cam", first_name="Cam", last_name="Ailleurs", office_days=[3], office="Quelque part")
    make_user("dan", first_name="Dan", last_name="Maison", remote_days=[3], office="Siège – Hazebrouck")
    client.force_login(viewer)
    html = client.get("/qui-est-la/").content.decode()
    siege_html = html[html.index(f'id="presence-site-{siege.slug}"') :]
    siege_html = siege_html[: siege_html.index("</div>")]
    assert 'href="/annuaire/ana/"' in siege_html and 'href="/annuaire/dan/"' not in siege_html
    sockeel = html[html.index('id="presence-site-sockeel"') :]
    assert 'href="/annuaire/bob/"' in sockeel[: sockeel.index("</div>")]
    unknown = html[html.index('id="presence-site-none"') :]
    assert 'href="/annuaire/cam/"' in unknown[: unknown.index("</div>")]
    assert date(2026, 12, 9).isoformat() in html  # the day shown in the form
