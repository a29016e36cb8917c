"""The org chart from a real directory: OUs become departments, heads come from the `manager` attributes."""

import pytest

from intranet.people.ldap_sync import ldap_sync_run
from intranet.people.models import Department, User
from intranet.people.orgchart import manager_chain, org_chart

pytestmark = pytest.mark.django_db(transaction=True)


def _find(nodes, name):
    for node in nodes:
        if node.department.name == name:
            return node
        found = _find(node.children, name)
        if found:
            return found
    return None


def test_org_chart_heads_and_chain_come_from_the_directory_managers(directory, client):
    report = ldap_sync_run()
    assert report.complete
    roots = [root for org in org_chart() for root in org.roots]
    tech = _find(roots, "Direction Technique")
    eau = _find(roots, "Eau, Assainissement")
    assert eau in tech.children
    # Nobody set a head: the directory's managers decide (Joël manages Éloïse; Anaïs manages Joël).
    assert eau.head.username == "joel.hay" and eau.head_from_managers
    assert [m.username for m in eau.members] == ["eloise.garcon"]
    assert tech.head.username == "anais.francois"
    agent = User.objects.get(username="eloise.garcon")
    assert [m.username for m in manager_chain(agent)] == ["joel.hay", "anais.francois", "rene.dgs"]
    # The page and the profile say the same.
    client.force_login(agent)
    html = client.get("/organigramme/").content.decode()
    slug = Department.objects.get(name="Eau, Assainissement").slug
    section = html[html.index(f'id="orgchart-{slug}"') :]
    assert 'Responsable : <a href="/annuaire/joel.hay/">' in section[: section.index("</details>")]
    profile = client.get("/annuaire/eloise.garcon/").content.decode()
    chain = profile[profile.index('id="profile-chain"') :]
    assert chain.index("joel.hay") < chain.index("anais.francois") < chain.index("rene.dgs")
