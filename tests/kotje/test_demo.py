"""Kotje's demo seeder: themes, about 15 guides and 10 tools under the home page; idempotent."""

from io import StringIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intranet.people.demo import seed_people
from kotje.choices import ToolStatus
from kotje.demo import seed_kotje
from kotje.models import GuidePage, KotjeIndexPage, Task, ThemePage, ToolFinderPage, ToolPage

pytestmark = pytest.mark.django_db


def test_seed_kotje_is_idempotent(client):
    result = seed_people(stdout=StringIO(), password="pw-test-123456")
    first = seed_kotje(stdout=StringIO(), agents=result["agents"])
    assert first["created"] > 25
    with CaptureQueriesContext(connection) as ctx:
        assert seed_kotje(stdout=StringIO(), agents=result["agents"])["created"] == 0
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert KotjeIndexPage.objects.get().url_path.endswith("/kotje/")
    assert ThemePage.objects.count() >= 5
    assert GuidePage.objects.live().count() >= 15
    tools = ToolPage.objects.live()
    assert tools.count() >= 10
    assert tools.filter(status=ToolStatus.FORBIDDEN).exclude(use_instead=None).count() >= 3
    assert tools.filter(title__icontains="mots de passe", status=ToolStatus.APPROVED).exists()
    assert tools.filter(title__icontains="sensibilisation").exists()
    assert Task.objects.filter(slug="partager-un-fichier").exists() and ToolFinderPage.objects.exists()
    # Every guide is valid as the admin would check it.
    for guide in GuidePage.objects.all():
        guide.full_clean()
    # « Quel outil pour partager un fichier ? » is answered on the demo, for an agent of Bailleul.
    client.force_login(result["agents"]["amandine.cordier"])
    html = client.get("/kotje/outils/quel-outil/?tache=partager-un-fichier").content.decode()
    assert "GED intercommunale" in html and "Drive personnel" in html
    assert client.get("/kotje/urbanisme/instruire-un-permis-de-construire/").status_code == 404
    assert client.get("/kotje/systemes-information/etat-civil-en-ligne-bailleul/").status_code == 200
