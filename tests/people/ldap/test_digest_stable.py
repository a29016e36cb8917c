"""The re-sync compares each entry's digest with the one stored on its row (User.ldap_hash): the digest
hashed in two parts (the entry's own values while entries arrive, the rows they point to afterwards) is the
digest of the same bytes as the one-part digest earlier releases stored, so no row looks changed after an
upgrade; and a value changed after mapping (a shared registration number dropped) is not hashed stale."""

import hashlib

from intranet.people.ldap_sync import SyncReport, _digest_head, _Sync


def _entry(**values):
    entry = {
        "dn": "uid=agent1,ou=Service,ou=people,dc=ccfi",
        "guid": "8f1c0d7e-1111-2222-3333-444455556666",
        "username": "agent1",
        "first_name": "Élodie",
        "last_name": "Numéro 1",
        "email": "agent1@ccfi.test",
        "phone": "+33 3 28 00001",
        "mobile": "",
        "job_title": "Chargée d'accueil",
        "registration_number": "100001",
        "disabled": False,
        "employer": "",
        "parent": "ou=service\x1fou=people\x1fdc=ccfi",
    }
    entry.update(values)
    return entry


def _one_part(entry, department_id, employer_id, manager_id) -> str:
    values = [
        entry[f]
        for f in (
            "dn",
            "guid",
            "username",
            "first_name",
            "last_name",
            "email",
            "phone",
            "mobile",
            "job_title",
            "registration_number",
        )
    ]
    values += [str(department_id), str(employer_id), str(manager_id), "1" if entry["disabled"] else "0"]
    return hashlib.blake2b("\x1f".join(values).encode(), digest_size=16).hexdigest()


def _sync(settings) -> _Sync:
    settings.LDAP_ATTR_EMPLOYER = ""
    sync = _Sync(SyncReport(dry_run=True))
    sync.org_by_key, sync.host_id = {}, 7
    return sync


def test_two_part_digest_is_the_stored_one_part_digest(settings):
    sync = _sync(settings)
    for entry, department_id, manager_id in (
        (_entry(), 3, 12),
        (_entry(disabled=True, mobile="06 00 00 00 00"), None, None),
        (_entry(registration_number="", job_title=""), 41, None),
    ):
        entry["digest_head"] = _digest_head(entry)
        expected = _one_part(entry, department_id, 7, manager_id)
        assert sync.entry_digest(entry, department_id, manager_id) == expected
        # Twice: continuing a copy leaves the head as it was.
        assert sync.entry_digest(entry, department_id, manager_id) == expected
        del entry["digest_head"]  # an entry mapped elsewhere (no head) gets the same digest
        assert sync.entry_digest(entry, department_id, manager_id) == expected


def test_a_registration_number_dropped_after_mapping_is_not_hashed_stale(settings):
    sync = _sync(settings)
    first, second = _entry(), _entry(dn="uid=agent2,ou=people,dc=ccfi", guid="other", username="agent2")
    for entry in (first, second):
        entry["digest_head"] = _digest_head(entry)
    sync.entries = [first, second]  # both carry 100001
    sync.drop_shared_registration_numbers()
    assert first["registration_number"] == ""
    assert sync.entry_digest(first, 3, None) == _one_part(first, 3, 7, None)
