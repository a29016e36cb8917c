"""`manage.py ldap_sync` against a real slapd: create, update, no-op, leavers, and the safety rules."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intranet.audit.models import AccessEvent
from intranet.people.actions import api_token_create
from intranet.people.ldap import normalize_dn
from intranet.people.ldap_sync import ldap_sync_run
from intranet.people.models import Department, DirectoryGroup, Organisation, PersonalToken, User
from intranet.people.signals import directory_synced, user_deactivated

from .conftest import BULK_USERS, EAU, GROUPS, RH, SYNC_DN, SYNC_PW, VOIRIE

pytestmark = pytest.mark.django_db(transaction=True)

NAMED = 11  # named entries in conftest.build_ldif


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def _sync(**kwargs):
    out = io.StringIO()
    call_command("ldap_sync", stdout=out, stderr=io.StringIO(), **kwargs)
    return out.getvalue()


def test_first_sync_creates_every_agent_through_paging(directory):
    """More than 1,000 entries arrive in pages of 500; names, accents, managers, departments all mapped."""
    bailleul = Organisation.objects.create(name="Bailleul", kind="commune", ldap_ou="Commune de Bailleul")
    report = ldap_sync_run()
    assert report.complete and not report.problems
    assert report.created == BULK_USERS + NAMED
    assert User.objects.filter(ldap_dn__isnull=False).count() == BULK_USERS + NAMED
    agent = User.objects.get(username="eloise.garcon")
    assert (agent.first_name, agent.last_name, agent.job_title) == (
        "Éloïse",
        "Garçon",
        "Technicienne réseaux",
    )
    assert agent.email == "eloise.garcon@ccfi.test" and agent.phone == "+33 3 28 00 00 00"
    assert len(agent.ldap_guid) == 36 and normalize_dn(agent.ldap_dn) == normalize_dn(
        f"uid=eloise.garcon,{EAU}"
    )
    # Manager chain by DN: agent → head → director → DGS.
    chain = [agent.manager.username, agent.manager.manager.username, agent.manager.manager.manager.username]
    assert chain == ["joel.hay", "anais.francois", "rene.dgs"]
    assert agent.manager.last_name == "Haÿ"
    # Nested OUs become nested departments; the escaped comma is part of the name.
    assert agent.department.name == "Eau, Assainissement"
    assert agent.department.parent.name == "Direction Technique"
    assert agent.department.parent.parent is None
    assert agent.groups.filter(pk=agent.department.group_id).exists()
    assert User.objects.get(username="jean.dupont").department.name == "Voirie"
    # Employer by OU mapping, else the host organisation.
    assert User.objects.get(username="marc.bailleul").employer == bailleul
    assert agent.employer.is_host
    # Directory groups, keyed by DN; a member DN that is nobody is ignored.
    informatique = DirectoryGroup.objects.get(ldap_dn=f"cn=Informatique,{GROUPS}").group
    assert set(informatique.user_set.values_list("username", flat=True)) == {"eloise.garcon", "joel.hay"}
    # The administrator-locked entry exists, inactive; the entry without mail is synced with the rest.
    assert not User.objects.get(username="paul.verrouille").is_active
    assert User.objects.get(username="sans.mail").email == ""
    assert any("sans.mail" in w and "mail" in w for w in report.warnings)
    assert AccessEvent.objects.filter(action="ldap.sync").count() == 1


def test_second_sync_with_nothing_changed_writes_nothing(directory):
    """Idempotent: a no-change run issues zero INSERT/UPDATE/DELETE and a constant handful of reads."""
    ldap_sync_run()
    with CaptureQueriesContext(connection) as ctx:
        report = ldap_sync_run()
    assert _writes(ctx.captured_queries) == []
    assert report.created == report.updated == report.deactivated == 0
    assert report.unchanged == BULK_USERS + NAMED
    assert len(ctx.captured_queries) <= 12  # loads: organisations, departments, users, names, groups, members


def test_sync_updates_changed_and_moved_entries_in_place(directory):
    """A changed title and a move to another OU update the same row (keyed on entryUUID, not the DN)."""
    ldap_sync_run()
    mover = User.objects.get(username="maxime.mobile")
    directory.modify(
        f"dn: uid=maxime.mobile,{VOIRIE}\nchangetype: modrdn\nnewrdn: uid=maxime.mobile\ndeleteoldrdn: 1\n"
        f"newsuperior: {RH}\n\n"
        f"dn: uid=agent0001,{VOIRIE}\nchangetype: modify\nreplace: title\ntitle: Chef d'équipe\n"
    )
    with CaptureQueriesContext(connection) as ctx:
        report = ldap_sync_run()
    assert report.updated == 2 and report.created == 0 and report.deactivated == 0
    moved = User.objects.get(pk=mover.pk)
    assert moved.department.name == "Ressources Humaines"
    assert normalize_dn(moved.ldap_dn) == normalize_dn(f"uid=maxime.mobile,{RH}")
    assert set(moved.groups.filter(department__isnull=False).values_list("department__name", flat=True)) == {
        "Ressources Humaines"
    }
    assert User.objects.get(username="agent0001").job_title == "Chef d'équipe"
    # One batched UPDATE for the users, one INSERT and one DELETE for the department memberships (the chat
    # salons that follow departments write on their own, after commit, through `directory_synced`).
    own = [sql for sql in _writes(ctx.captured_queries) if '"chat_' not in sql]
    assert len(own) <= 5


def test_deleted_entry_is_deactivated_and_loses_sessions_and_tokens(directory, client, settings):
    """A leaver's logged-in browser is sent to the login page and their token gets 401 after the sync."""
    settings.LDAP_MAX_LEAVER_RATIO = 0.05
    ldap_sync_run()
    leaver = User.objects.get(username="lea.depart")
    client.force_login(leaver)
    assert client.get("/notifications/").status_code == 200
    _token, secret = api_token_create(user=leaver, name="script")
    from django.test import Client

    api = Client()
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    received = []

    def receiver(sender, user, reason, actor, **kwargs):
        received.append((user.username, reason))

    user_deactivated.connect(receiver, dispatch_uid="test_leaver")
    try:
        directory.delete(f"uid=lea.depart,{VOIRIE}")
        report = ldap_sync_run()
    finally:
        user_deactivated.disconnect(dispatch_uid="test_leaver")
    assert report.deactivated == 1 and report.leavers == ["lea.depart"]
    leaver.refresh_from_db()
    assert not leaver.is_active and not leaver.has_usable_password()
    assert received == [("lea.depart", "ldap_absent")]
    response = client.get("/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert PersonalToken.objects.get(user=leaver).revoked_at is not None
    assert AccessEvent.objects.filter(action="user.deactivate", object_id=str(leaver.pk)).exists()
    # Colleagues are untouched.
    assert User.objects.filter(ldap_dn__isnull=False, is_active=True).count() == BULK_USERS + NAMED - 2


def test_locked_entry_deactivates_an_active_agent(directory):
    """An OpenLDAP administrator lock (pwdAccountLockedTime 000001010000Z) makes the agent a leaver."""
    ldap_sync_run()
    directory.modify(
        f"dn: uid=agent0003,{VOIRIE}\nchangetype: modify\nadd: pwdAccountLockedTime\n"
        "pwdAccountLockedTime: 000001010000Z\n"
    )
    report = ldap_sync_run()
    assert report.deactivated == 1
    assert not User.objects.get(username="agent0003").is_active
    # Unlocked again: the next run reactivates the account.
    directory.modify(f"dn: uid=agent0003,{VOIRIE}\nchangetype: modify\ndelete: pwdAccountLockedTime\n")
    report = ldap_sync_run()
    assert report.reactivated == 1 and User.objects.get(username="agent0003").is_active


def test_directory_down_deactivates_nobody(directory):
    """An unreachable directory aborts the run: nobody deactivated, the command fails loudly."""
    ldap_sync_run()
    directory.down()
    with pytest.raises(CommandError):
        _sync()
    assert User.objects.filter(ldap_dn__isnull=False, is_active=False).count() == 1  # only the locked one
    event = AccessEvent.objects.filter(action="ldap.sync").latest("pk")
    assert event.result == "failure" and "injoignable" in str(event.extra)


def test_truncated_search_deactivates_nobody(directory, settings):
    """A service account capped by the server's size limit (500) gets a partial result: no leaver."""
    ldap_sync_run()
    directory.delete(f"uid=lea.depart,{VOIRIE}")
    settings.LDAP_BIND_DN, settings.LDAP_BIND_PASSWORD = SYNC_DN, SYNC_PW
    report = ldap_sync_run()
    assert not report.complete and "limite de taille" in " ".join(report.problems)
    assert report.deactivated == 0 and User.objects.get(username="lea.depart").is_active
    # The same run as the unrestricted account does deactivate the leaver.
    settings.LDAP_BIND_DN, settings.LDAP_BIND_PASSWORD = directory.server.root_dn, directory.server.root_pw
    assert ldap_sync_run().deactivated == 1


def test_circuit_breaker_stops_mass_deactivation(directory, settings):
    """A wrong filter that hides most agents must not lock them out: the leaver phase is aborted."""
    ldap_sync_run()
    settings.LDAP_USER_FILTER = "(&(objectClass=inetOrgPerson)(title=*))"
    with CaptureQueriesContext(connection) as ctx:
        report = ldap_sync_run()
    assert report.deactivated == 0 and report.leavers_skipped
    assert "LDAP_MAX_LEAVER_RATIO" in " ".join(report.problems)
    assert User.objects.filter(ldap_dn__isnull=False, is_active=True).count() == BULK_USERS + NAMED - 1
    assert not [q for q in _writes(ctx.captured_queries) if "people_user" in q and "UPDATE" in q.upper()]


def test_dry_run_writes_nothing_and_lists_leavers(directory):
    """--dry-run reports what would change without a single write."""
    with CaptureQueriesContext(connection) as ctx:
        out = _sync(dry_run=True)
    assert _writes(ctx.captured_queries) == []
    assert f"{BULK_USERS + NAMED} agents créés" in out and "Simulation" in out
    assert not User.objects.filter(ldap_dn__isnull=False).exists()
    ldap_sync_run()
    directory.delete(f"uid=lea.depart,{VOIRIE}")
    with CaptureQueriesContext(connection) as ctx:
        out = _sync(dry_run=True, verbose=True)
    assert _writes(ctx.captured_queries) == []
    assert "lea.depart" in out and User.objects.get(username="lea.depart").is_active


def test_local_accounts_are_never_touched(directory, make_user):
    """A local (break-glass) account keeps its data, its groups and its access, even when a directory
    entry carries the same name."""
    local = make_user("agent0007", first_name="Local", last_name="Secours")
    local_only = make_user("it.secours")
    group = Group.objects.create(name="Local")
    local.groups.add(group)
    report = ldap_sync_run()
    local.refresh_from_db()
    assert (local.first_name, local.ldap_dn, local.is_active) == ("Local", None, True)
    assert list(local.groups.all()) == [group]
    assert any("agent0007" in w for w in report.warnings)
    assert User.objects.get(pk=local_only.pk).is_active


def test_department_from_attribute(directory, settings):
    """With LDAP_DEPARTMENT_FROM=attribute, the attribute names a (flat) department."""
    settings.LDAP_DEPARTMENT_FROM = "attribute"
    settings.LDAP_ATTR_DEPARTMENT = "title"
    ldap_sync_run()
    head = User.objects.get(username="joel.hay")
    assert head.department.name == "Chef du service" and head.department.parent is None
    assert Department.objects.filter(ldap_dn="title=Chef du service").exists()


def test_directory_synced_is_sent_once_after_a_changing_run_only(directory):
    """Apps that mirror departments (chat salons) hear about a changing sync once, after commit; a no-change
    run stays silent."""
    received = []

    def receiver(sender, report, **kwargs):
        received.append(report)

    directory_synced.connect(receiver)
    try:
        first = ldap_sync_run()
        assert received == [first] and first.created == BULK_USERS + NAMED
        ldap_sync_run()
        assert len(received) == 1
    finally:
        directory_synced.disconnect(receiver)


def test_resync_skips_rows_whose_digest_matches_and_compares_after_a_local_edit(directory):
    """B7: the sync stores a digest of the values it wrote (User.ldap_hash); a re-sync with the same digest
    skips the field-by-field comparison. A save through the ORM empties the digest, so a local edit of a
    directory-owned field is still put back by the next run; a save of a field the directory does not own
    keeps it."""
    ldap_sync_run()
    agent = User.objects.get(username="eloise.garcon")
    assert len(agent.ldap_hash) == 32
    assert User.objects.filter(ldap_dn__isnull=False, ldap_hash="").count() == 0
    agent.what_i_do = "Réseaux d'eau"
    agent.save(update_fields=["what_i_do"])
    assert User.objects.get(pk=agent.pk).ldap_hash == agent.ldap_hash  # not a directory-owned field
    agent.first_name = "Locale"
    agent.save()
    assert User.objects.get(pk=agent.pk).ldap_hash == ""
    report = ldap_sync_run()
    assert report.updated == 1 and report.unchanged == BULK_USERS + NAMED - 1
    agent.refresh_from_db()
    assert agent.first_name == "Éloïse" and len(agent.ldap_hash) == 32
    # A missing digest on an otherwise unchanged row (rows from before the digest existed) is written alone.
    User.objects.filter(pk=agent.pk).update(ldap_hash="")
    with CaptureQueriesContext(connection) as ctx:
        report = ldap_sync_run()
    assert report.updated == 0 and report.unchanged == BULK_USERS + NAMED
    assert len(_writes(ctx.captured_queries)) == 1
    assert User.objects.get(pk=agent.pk).ldap_hash == agent.ldap_hash


@pytest.mark.skipif(connection.vendor != "postgresql", reason="search vectors are PostgreSQL only")
def test_agents_inserted_by_the_sync_get_the_triggers_search_vector(directory):
    """B7: the sync computes the search vectors of the agents it creates in its INSERT … SELECT (migration
    people 0008) instead of the row trigger; they are the vectors the trigger writes. Other inserts, even in
    the same transaction after the sync, still go through the trigger."""
    Organisation.objects.filter(is_host=True).update(short_name="CCFI")
    ldap_sync_run()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, search_vector::text FROM people_user WHERE ldap_dn IS NOT NULL ORDER BY id"
        )
        by_sync = cursor.fetchall()
        # A no-op update of a watched column fires the trigger on every row.
        cursor.execute("UPDATE people_user SET first_name = first_name WHERE ldap_dn IS NOT NULL")
        cursor.execute(
            "SELECT id, search_vector::text FROM people_user WHERE ldap_dn IS NOT NULL ORDER BY id"
        )
        by_trigger = cursor.fetchall()
        cursor.execute("SELECT search_vector::text FROM people_user WHERE username = 'eloise.garcon'")
        (eloise,) = cursor.fetchone()
    assert len(by_sync) == BULK_USERS + NAMED and all(vector for _pk, vector in by_sync)
    assert by_sync == by_trigger
    # Names (A), login and title (B), department, its parent and the employer's short name (C).
    assert "'garcon':2A" in eloise and "'reseau':5B" in eloise and "'assain':7C" in eloise
    assert "'ccfi':16C" in eloise
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('intranet.search_vector_given', 'on', false)")
        try:
            other = User.objects.create(username="agent.local", first_name="Zoé", last_name="Local")
            cursor.execute("SELECT search_vector::text FROM people_user WHERE id = %s", [other.pk])
            assert ":1A" in cursor.fetchone()[0]
        finally:
            cursor.execute("SELECT set_config('intranet.search_vector_given', '', false)")


def test_agents_inserted_by_the_sync_hold_what_the_orm_would_store(directory):
    """The first sync inserts agents without the ORM; on PostgreSQL the columns holding one value for every
    new agent (defaults, the run's timestamp) travel as parameters, not through COPY. Each agent's row reads
    back as one made by the ORM with the same values: the model's defaults, unusable passwords, the run's
    dates."""
    ldap_sync_run()
    made = User(username="reference")
    synced = list(User.objects.filter(ldap_dn__isnull=False))
    assert len(synced) == BULK_USERS + NAMED
    for agent in synced:
        for name in ("office_days", "remote_days", "what_i_do", "contact_me_for", "office", "is_staff"):
            assert getattr(agent, name) == getattr(made, name), (agent.username, name)
        assert not agent.is_superuser and agent.last_login is None and agent.backup_contact_id is None
        assert not agent.has_usable_password()
        assert agent.date_joined is not None and agent.date_joined == agent.ldap_synced_at
    assert len({agent.password for agent in synced}) == len(synced)


def test_a_resync_with_every_digest_missing_compares_every_agent_and_changes_nothing(directory):
    """Rows whose digest is missing (as after an upgrade that changes it) are compared field by field: their
    full rows are read then, in batches (more agents here than one batch); only the digests are written."""
    ldap_sync_run()
    before = {u.pk: (u.first_name, u.email, u.manager_id, u.department_id) for u in User.objects.all()}
    User.objects.filter(ldap_dn__isnull=False).update(ldap_hash="")
    report = ldap_sync_run()
    assert report.updated == 0 and report.unchanged == BULK_USERS + NAMED > 1000
    assert not User.objects.filter(ldap_dn__isnull=False, ldap_hash="").exists()
    after = {u.pk: (u.first_name, u.email, u.manager_id, u.department_id) for u in User.objects.all()}
    assert after == before


def test_posix_groups_follow_their_member_uids(directory, settings):
    """LDAP_GROUP_TYPE=posix: a posixGroup names its members by login (memberUid), in any case; a login
    nobody has is ignored; a removed memberUid removes the membership."""
    posix = GROUPS.replace("ou=groups", "ou=posix")
    directory.modify(
        f"dn: {posix}\nchangetype: add\nobjectClass: organizationalUnit\nou: posix\n\n"
        f"dn: cn=astreinte-eau,{posix}\nchangetype: add\nobjectClass: posixGroup\ncn: astreinte-eau\n"
        "gidNumber: 5001\nmemberUid: eloise.garcon\nmemberUid: AGENT0001\nmemberUid: personne\n"
    )
    settings.LDAP_GROUP_BASE = posix
    settings.LDAP_GROUP_FILTER = "(objectClass=posixGroup)"
    settings.LDAP_ATTR_GROUP_MEMBER = "memberUid"
    report = ldap_sync_run()
    assert report.complete and report.groups_created == 1
    group = DirectoryGroup.objects.get(ldap_dn=f"cn=astreinte-eau,{posix}").group
    assert set(group.user_set.values_list("username", flat=True)) == {"eloise.garcon", "agent0001"}
    directory.modify(
        f"dn: cn=astreinte-eau,{posix}\nchangetype: modify\ndelete: memberUid\nmemberUid: AGENT0001\n"
    )
    report = ldap_sync_run()
    assert report.memberships_removed == 1 and report.memberships_added == 0
    assert set(group.user_set.values_list("username", flat=True)) == {"eloise.garcon"}
