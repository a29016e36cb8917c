"""The registration number (matricule, ged.payslips) read from the directory's employeeNumber: mapped like the
other attributes, written by the sync, kept when the entry has none, ignored (with a warning) when two entries
carry the same one."""

import pytest

from intranet.people.ldap import entry_to_user
from intranet.people.ldap_sync import ldap_sync_run
from intranet.people.models import User

from .conftest import VOIRIE

pytestmark = pytest.mark.django_db(transaction=True)


def test_mapping_reads_employee_number():
    entry = entry_to_user("uid=a,ou=x", {"uid": [b"a"], "employeeNumber": [b" 004512 "], "sn": [b"A"]})
    assert entry["registration_number"] == "004512"
    assert entry_to_user("uid=a,ou=x", {"uid": [b"a"]})["registration_number"] == ""


def test_sync_writes_keeps_and_refuses_shared_numbers(directory):
    ldap_sync_run()
    directory.modify(
        f"dn: uid=agent0001,{VOIRIE}\nchangetype: modify\nadd: employeeNumber\nemployeeNumber: 100001\n"
    )
    ldap_sync_run()
    assert User.objects.get(username="agent0001").registration_number == "100001"
    # A number set in the admin for an agent whose entry has none stays.
    User.objects.filter(username="agent0002").update(registration_number="100002")
    ldap_sync_run()
    assert User.objects.get(username="agent0002").registration_number == "100002"
    # Two entries with the same number: neither gets it, the run warns, nothing fails.
    directory.modify(
        f"dn: uid=agent0003,{VOIRIE}\nchangetype: modify\nadd: employeeNumber\nemployeeNumber: 100009\n\n"
        f"dn: uid=agent0005,{VOIRIE}\nchangetype: modify\nadd: employeeNumber\nemployeeNumber: 100009\n"
    )
    report = ldap_sync_run()
    assert any("100009" in w for w in report.warnings)
    assert not User.objects.filter(registration_number="100009").exists()
