"""« Qui a accès, et pourquoi ? » and the preview of a change before it is saved."""

from ged.actions import folder_restrict
from ged.choices import Role, SpacePolicy
from ged.permissions import folder_access
from ged.queries import explain_access, preview_change


def _explain(user, folder):
    access = folder_access(user, folder)
    return access, explain_access(access.folder, access.chain, access.space)


def test_explanation_names_grants_sources_and_restrictions(
    space, subfolder, make_user, make_group, grant, manager
):
    alice, bob = make_user("alice", first_name="Alice"), make_user("bob", first_name="Bob")
    rh = make_group("Service RH", bob)
    a = subfolder(space.root, "A")
    b = subfolder(a, "Dossiers individuels")
    grant(space.root, Role.READER, user=alice)
    grant(b, Role.EDITOR, group=rh)
    _access, exp = _explain(manager, b)
    people = {p.user.username: p for p in exp.people}
    assert set(people) == {"alice", "bob", "gestionnaire"}
    assert "hérité de « Ressources humaines »" in people["alice"].reasons[0]
    assert "par le service « Service RH » sur ce dossier" in people["bob"].reasons[0]
    folder_restrict(folder=b, restricted=True, actor=manager)
    b.refresh_from_db()
    _access, exp = _explain(manager, b)
    people = {p.user.username for p in exp.people}
    assert people == {"bob", "gestionnaire"}
    alice_line = next(line for line in exp.lines if line.kind == "user" and line.principal == alice)
    assert not alice_line.applies and alice_line.stopped_by == b
    manager_line = next(line for line in exp.lines if line.principal == manager)
    assert manager_line.keeps_access


def test_preview_counts_people_who_gain_or_lose(space, subfolder, make_user, make_group, grant, manager):
    members = [make_user() for _ in range(3)]
    group = make_group("Finances", *members)
    loner = make_user("seul")
    folder = subfolder(space.root, "Budget")
    grant(space.root, Role.READER, user=loner)
    access = folder_access(manager, folder)
    gain = preview_change(folder, access.chain, access.space, change="grant", role=Role.READER, group=group)
    assert (gain.gained, gain.lost) == (3, 0)
    lose = preview_change(folder, access.chain, access.space, change="restrict")
    assert (lose.gained, lose.lost) == (0, 1)
    assert lose.lost_names == [loner.get_full_name()]
    # Nothing was written.
    folder.refresh_from_db()
    assert not folder.restricted


def test_open_space_explained_as_everyone(make_space, manager, agent):
    space = make_space(policy=SpacePolicy.OPEN)
    _access, exp = _explain(manager, space.root)
    assert exp.everyone and exp.agents_total >= 2


def test_access_page_and_htmx_preview(client, space, subfolder, manager, make_user, make_group):
    folder = subfolder(space.root, "Budget")
    members = [make_user() for _ in range(2)]
    group = make_group("Finances", *members)
    client.force_login(manager)
    page = client.get(f"/documents/dossier/{folder.pk}/acces/").content.decode()
    assert "Qui a accès, et pourquoi ?" in page and "Gaëlle Gestion" in page
    preview = client.post(
        f"/documents/dossier/{folder.pk}/acces/apercu/",
        {"change": "grant", "principal": f"g{group.pk}", "role": "reader"},
    )
    assert "2 personnes gagneront l'accès" in preview.content.decode()
    saved = client.post(
        f"/documents/dossier/{folder.pk}/acces/donner/", {"principal": f"g{group.pk}", "role": "reader"}
    )
    assert saved.status_code == 302
    from intranet.notifications.models import Notification

    assert Notification.objects.filter(recipient=members[0], verb="ged.share").exists()


def test_last_manager_cannot_be_removed(client, space, manager):
    client.force_login(manager)
    response = client.post(
        f"/documents/dossier/{space.root.pk}/acces/retirer/", {"principal": f"u{manager.pk}"}, follow=True
    )
    assert "au moins un gestionnaire" in response.content.decode()
