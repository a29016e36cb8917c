"""The projects navigation links the portfolio for those it has something to show: a project's sponsor and
a department head; other agents do not see the link (the page stays reachable by its address)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _links_portfolio(client, user) -> bool:
    client.force_login(user)
    html = client.get(reverse("projects:index")).content.decode()
    return f'href="{reverse("projects:portfolio")}"' in html


def test_portfolio_link_for_sponsors_and_heads_only(
    client, make_workspace, make_user, host_org, lead, outsider
):
    from intranet.people.actions import department_create

    sponsor = make_user("sophie.commanditaire")
    head = make_user("henri.chef")
    assert not any(_links_portfolio(client, u) for u in (sponsor, head, outsider, lead))
    make_workspace(sponsor=sponsor)
    department = department_create(name="Service mobilités", slug="mobilites", organisation=host_org)
    department.head = head
    department.save()
    assert _links_portfolio(client, sponsor) and _links_portfolio(client, head)
    assert not _links_portfolio(client, outsider)
    for name in ("projects:my_tasks", "projects:templates", "projects:portfolio"):
        client.force_login(head)
        assert f'href="{reverse("projects:portfolio")}"' in client.get(reverse(name)).content.decode(), name
