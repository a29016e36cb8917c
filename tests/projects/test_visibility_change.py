"""A project's visibility reaches its GED space and its salon through the « team changed » hook: made
private, neither is readable by non-members (whoever had joined the open salon is removed); made open again,
every agent reads the space and may join the salon. The roster's own access never changes."""

import pytest
from django.http import Http404
from django.urls import reverse

from chat.choices import SalonKind
from chat.models import Membership, Salon
from chat.permissions import access_joinable_salon, access_salon
from ged.models import Space
from ged.permissions import access_space, forget_grants
from projects import editing
from projects.actions import member_remove
from projects.choices import MemberRole, Visibility

pytestmark = pytest.mark.django_db


def _space(ws):
    return Space.objects.get(pk=ws.refs["ged"]["space_id"])


def _salon(ws):
    return Salon.objects.get(pk=ws.refs["chat"]["salon_id"])


def _reads_space(user, ws) -> bool:
    user = type(user).objects.get(pk=user.pk)
    forget_grants(user)
    try:
        access_space(user, _space(ws).slug)
    except Http404:
        return False
    return True


def _reads_salon(user, ws) -> bool:
    try:
        access_salon(user, _salon(ws).pk)
    except Http404:
        return False
    return True


def _may_join_salon(user, ws) -> bool:
    try:
        access_joinable_salon(user, _salon(ws).pk)
    except Http404:
        return False
    return True


def _set_visibility(ws, visibility, actor, **changes):
    fields = {
        "name": ws.name,
        "description": ws.description,
        "sponsor": ws.sponsor,
        "lead": ws.lead,
        "start_date": ws.start_date,
        "end_date": ws.end_date,
        "status": ws.status,
        "visibility": visibility,
        "join_policy": ws.join_policy,
    }
    fields.update(changes)
    return editing.workspace_edit(workspace=ws, actor=actor, **fields)


@pytest.mark.parametrize("narrow", [Visibility.PRIVATE, Visibility.SECRET])
def test_private_project_space_and_salon_close_to_outsiders_and_open_again(
    make_workspace, lead, colleague, outsider, client, narrow
):
    ws = make_workspace(visibility=Visibility.OPEN, members={colleague: MemberRole.READER})
    assert _space(ws).policy == "open" and _salon(ws).kind == SalonKind.OPEN
    assert _reads_space(outsider, ws) and _may_join_salon(outsider, ws)
    client.force_login(outsider)
    assert client.post(reverse("chat:join", args=[_salon(ws).pk])).status_code == 302
    assert _reads_salon(outsider, ws)

    ws = _set_visibility(ws, narrow, lead)

    assert _space(ws).policy == narrow and _salon(ws).kind == SalonKind.PROJECT
    assert not _reads_space(outsider, ws)
    assert not _reads_salon(outsider, ws) and not _may_join_salon(outsider, ws)
    assert client.get(reverse("ged:space", args=[_space(ws).slug])).status_code == 404
    assert client.get(reverse("chat:salon", args=[_salon(ws).pk])).status_code == 404
    # The roster keeps its access (grants and memberships are the roster's, not the policy's).
    for member in (lead, colleague):
        assert _reads_space(member, ws) and _reads_salon(member, ws)
    assert set(Membership.objects.filter(salon=_salon(ws)).values_list("user_id", flat=True)) == {
        lead.pk,
        colleague.pk,
    }

    ws = _set_visibility(ws, Visibility.OPEN, lead)

    assert _space(ws).policy == "open" and _salon(ws).kind == SalonKind.OPEN
    assert _reads_space(outsider, ws) and _may_join_salon(outsider, ws)
    assert client.post(reverse("chat:join", args=[_salon(ws).pk])).status_code == 302
    assert _reads_salon(outsider, ws)


def test_open_salon_keeps_self_joined_agents_on_roster_changes(make_workspace, lead, colleague, outsider):
    """While the project is open, removing a member takes them out of the salon, and only them."""
    from chat.actions import salon_join

    ws = make_workspace(visibility=Visibility.OPEN, members={colleague: MemberRole.CONTRIBUTOR})
    salon_join(salon=_salon(ws), user=outsider)
    member_remove(workspace=ws, user=colleague, actor=lead)
    assert set(Membership.objects.filter(salon=_salon(ws)).values_list("user_id", flat=True)) == {
        lead.pk,
        outsider.pk,
    }


def test_rename_reaches_space_and_salon(make_workspace, lead):
    ws = make_workspace(visibility=Visibility.PRIVATE)
    ws = _set_visibility(ws, Visibility.PRIVATE, lead, name="Plan climat-air-énergie", description="PCAET")
    assert _space(ws).name == "Plan climat-air-énergie"
    salon = _salon(ws)
    assert (salon.name, salon.topic, salon.kind) == ("Plan climat-air-énergie", "PCAET", SalonKind.PROJECT)


def test_unchanged_edit_calls_no_hook(make_workspace, lead):
    """Saving the page without changing name, description or visibility leaves the space and salon alone."""
    ws = make_workspace(visibility=Visibility.PRIVATE)
    space_before = Space.history.filter(id=ws.refs["ged"]["space_id"]).count()
    _set_visibility(ws, Visibility.PRIVATE, lead)
    assert Space.history.filter(id=ws.refs["ged"]["space_id"]).count() == space_before
