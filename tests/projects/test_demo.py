"""The demo seeder makes one project with its space, salon and board, and is idempotent."""

import pytest

from projects.demo import DEMO_NAME, seed_projects_demo
from projects.models import Card, Workspace

pytestmark = pytest.mark.django_db


class _Out:
    def write(self, text):
        pass


def test_demo_seeds_one_project_once(make_user):
    agents = {f"a{i}": make_user(f"demo{i}") for i in range(5)}
    seed_projects_demo(stdout=_Out(), agents=agents)
    seed_projects_demo(stdout=_Out(), agents=agents)
    ws = Workspace.objects.get(name=DEMO_NAME)
    assert set(ws.refs) == {"ged", "chat"}
    assert Card.objects.filter(board__workspace=ws).count() == 4
    assert ws.members.count() == 4
