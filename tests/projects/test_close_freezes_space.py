"""Closing a project freezes its GED space (`Space.frozen`), so no grant writes there any more — not even a
personal grant given outside the roster; reopening unfreezes it and the grants work again."""

import pytest

from ged.actions import grant_set
from ged.choices import Role
from ged.models import Space
from ged.permissions import abilities, forget_grants
from projects.actions import workspace_close, workspace_reopen

pytestmark = pytest.mark.django_db


def _abilities(user, ws):
    forget_grants(user)
    user = type(user).objects.get(pk=user.pk)
    space = Space.objects.select_related("root").get(pk=ws.refs["ged"]["space_id"])
    return space, abilities(user, space)


def test_personal_grant_does_not_write_in_a_closed_project_space(make_workspace, lead, outsider):
    ws = make_workspace()
    space, _abl = _abilities(lead, ws)
    grant_set(folder=space.root, role=Role.MANAGER, user=outsider, actor=lead, notify_grantee=False)
    assert _abilities(outsider, ws)[1]["upload"]
    workspace_close(workspace=ws, actor=lead)
    space, abl = _abilities(outsider, ws)
    assert space.frozen
    assert abl["read"] and not abl["upload"] and not abl["share"]
    assert not _abilities(lead, ws)[1]["upload"]
    ws.refresh_from_db()
    workspace_reopen(workspace=ws, actor=lead)
    space, abl = _abilities(outsider, ws)
    assert not space.frozen and abl["upload"]
