"""`drop` when edit rights go with a group (issue 12, part 4): an agent who held the edit right on a folder
only through a group, and leaves that group — from Wagtail « Utilisateurs », by a department change on the
agent's sheet, or through the directory sync — is dropped by the Document Server from the open co-editing
sessions of its documents; a co-editor with a grant of their own stays. Against the simulator, over HTTP."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from ged.choices import Role
from ged.models import EditorKey
from intranet.outbox.worker import run_due
from tests.people.ldap import conftest as ldap_fixtures

from .test_core_flow import open_page

pytestmark = pytest.mark.django_db(transaction=True)

# The real slapd of the directory tests, for the sync case.
slapd = ldap_fixtures.slapd
directory = ldap_fixtures.directory


@pytest.fixture
def admin(make_user):
    return make_user("it.admin", superuser=True)


def _open_two_sessions(client, sim, document, member, coeditor) -> str:
    _, eva = open_page(client, member, document)
    _, cedric = open_page(client, coeditor, document)
    key = eva["config"]["document"]["key"]
    assert cedric["config"]["document"]["key"] == key
    assert sim.open(eva["config"], str(member.pk)).ok
    assert sim.open(cedric["config"], str(coeditor.pk)).ok
    return key


def _assert_dropped(sim, key, member, coeditor):
    assert sim.dropped == []  # nothing sent from inside the membership change
    assert run_due(queue="default") == (1, 0)
    sim.wait_idle()
    assert sim.dropped == [{"key": key, "users": [str(member.pk)]}]
    assert set(sim.sessions[key].users) == {str(coeditor.pk)}
    assert EditorKey.objects.get(key=key).editors == [str(coeditor.pk)]


def test_leaving_the_group_in_wagtail_users_drops_the_member(
    onlyoffice_on, client, oo_docx, oo_folder, oo_coeditor, make_user, make_group, grant, admin
):
    sim = onlyoffice_on
    member = make_user("gaston.groupe", first_name="Gaston", last_name="Groupe")
    editors = make_group("Rédacteurs des rapports", member)
    kept = make_group("Autre groupe", member)
    grant(oo_folder, Role.EDITOR, group=editors)
    key = _open_two_sessions(client, sim, oo_docx, member, oo_coeditor)

    client.force_login(admin)
    response = client.post(
        reverse("wagtailusers_users:edit", args=[member.pk]),
        {
            "username": member.username,
            "email": member.email,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "is_active": "on",
            "groups": [kept.pk],
            "password1": "",
            "password2": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(member.groups.values_list("pk", flat=True)) == [kept.pk]
    _assert_dropped(sim, key, member, oo_coeditor)


def test_group_side_removal_and_clear_drop_the_members(
    onlyoffice_on, client, oo_docx, oo_folder, oo_coeditor, make_user, make_group, grant
):
    """`group.user_set.remove(...)` and `.clear()` (any code path, e.g. a department deleted) count too."""
    sim = onlyoffice_on
    member = make_user("gaston.groupe", first_name="Gaston", last_name="Groupe")
    editors = make_group("Rédacteurs des rapports", member)
    grant(oo_folder, Role.EDITOR, group=editors)
    key = _open_two_sessions(client, sim, oo_docx, member, oo_coeditor)

    Group.objects.get(pk=editors.pk).user_set.clear()
    _assert_dropped(sim, key, member, oo_coeditor)


def test_a_member_who_keeps_edit_rights_otherwise_is_not_dropped(
    onlyoffice_on, client, oo_docx, oo_folder, oo_coeditor, make_user, make_group, grant
):
    sim = onlyoffice_on
    member = make_user("gaston.groupe", first_name="Gaston", last_name="Groupe")
    editors = make_group("Rédacteurs des rapports", member)
    grant(oo_folder, Role.EDITOR, group=editors)
    grant(oo_folder, Role.EDITOR, user=member)
    key = _open_two_sessions(client, sim, oo_docx, member, oo_coeditor)

    member.groups.remove(editors)
    assert run_due(queue="default") == (1, 0)  # re-checked when it runs: still an editor, nothing sent
    sim.wait_idle()
    assert sim.dropped == []
    assert set(sim.sessions[key].users) == {str(member.pk), str(oo_coeditor.pk)}


def test_a_department_change_on_the_agent_sheet_drops_the_member(
    onlyoffice_on, client, oo_docx, oo_folder, oo_coeditor, make_user, grant, admin, host_org
):
    """Wagtail « Fiches agents »: the agent moves to another department, leaving the old department's group
    that carried the edit right."""
    from intranet.people.actions import department_create, department_member_sync

    finances = department_create(name="Finances", organisation=host_org)
    voirie = department_create(name="Voirie", organisation=host_org)
    member = make_user("gaston.groupe", first_name="Gaston", last_name="Groupe")
    member.department = finances
    member.save(update_fields=["department"])
    department_member_sync(user=member)
    grant(oo_folder, Role.EDITOR, group=finances.group)
    key = _open_two_sessions(client, sim := onlyoffice_on, oo_docx, member, oo_coeditor)

    client.force_login(admin)
    url = reverse("agents:edit", args=[member.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = value if not isinstance(value, list | tuple) else [str(v) for v in value]
    data["department"] = voirie.pk
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    member.refresh_from_db()
    assert member.department_id == voirie.pk
    assert list(member.groups.values_list("pk", flat=True)) == [voirie.group_id]
    _assert_dropped(sim, key, member, oo_coeditor)


def test_leaving_a_directory_group_in_ldap_sync_drops_the_member(
    onlyoffice_on, directory, client, oo_docx, oo_folder, oo_coeditor, grant
):
    """The sync deletes memberships in bulk (no Django signal of its own): it still tells the GED."""
    from intranet.people.ldap_sync import ldap_sync_run
    from intranet.people.models import DirectoryGroup, User
    from tests.people.ldap.conftest import EAU, GROUPS

    ldap_sync_run()
    member = User.objects.get(username="eloise.garcon")
    informatique = DirectoryGroup.objects.select_related("group").get(ldap_dn__istartswith="cn=Informatique")
    assert member.groups.filter(pk=informatique.group_id).exists()
    grant(oo_folder, Role.EDITOR, group=informatique.group)
    key = _open_two_sessions(client, sim := onlyoffice_on, oo_docx, member, oo_coeditor)

    directory.modify(
        f"dn: cn=Informatique,{GROUPS}\nchangetype: modify\ndelete: member\nmember: uid=eloise.garcon,{EAU}\n"
    )
    report = ldap_sync_run()
    assert report.memberships_removed == 1
    assert not member.groups.filter(pk=informatique.group_id).exists()
    _assert_dropped(sim, key, member, oo_coeditor)
