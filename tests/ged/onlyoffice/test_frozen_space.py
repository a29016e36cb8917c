"""A frozen space (a closed project's) in OnlyOffice: freezing drops every editor of the open sessions through
the outbox, like a revocation (nothing is sent from inside the change), and the editor page then opens its
documents in view mode; unfreezing gives edit mode back. Against the simulator, over HTTP."""

import pytest

from ged.actions import space_freeze
from ged.models import EditorKey
from intranet.outbox.worker import run_due

from .test_core_flow import open_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_freezing_drops_the_editors_and_opens_in_view_mode(
    onlyoffice_on, client, space, manager, oo_docx, oo_editor, oo_coeditor
):
    sim = onlyoffice_on
    _, eva = open_page(client, oo_editor, oo_docx)
    _, cedric = open_page(client, oo_coeditor, oo_docx)
    key = eva["config"]["document"]["key"]
    assert eva["config"]["editorConfig"]["mode"] == "edit"
    assert sim.open(eva["config"], str(oo_editor.pk)).ok
    assert sim.open(cedric["config"], str(oo_coeditor.pk)).ok

    space_freeze(space=space, frozen=True, actor=manager)
    assert sim.dropped == []  # nothing sent from inside the change
    assert run_due(queue="default") == (1, 0)
    sim.wait_idle()
    assert sim.dropped == [{"key": key, "users": sorted([str(oo_editor.pk), str(oo_coeditor.pk)])}]
    assert EditorKey.objects.get(key=key).editors == []

    _, again = open_page(client, oo_editor, oo_docx)
    assert again["config"]["editorConfig"]["mode"] == "view"
    space_freeze(space=space, frozen=False, actor=manager)
    _, back = open_page(client, oo_editor, oo_docx)
    assert back["config"]["editorConfig"]["mode"] == "edit"
