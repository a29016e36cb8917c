"""The sync's entry mapper reads each field's first value in a few C-level calls when every value is UTF-8
bytes, and field by field otherwise (values that are not UTF-8, empty value lists, str values as a login's
entry has). Whichever path it takes, it gives what a plain, case-insensitive reading of the entry gives.
No directory needed: generated entries."""

import uuid

from django.conf import settings as django_settings
from hypothesis import example, given, settings
from hypothesis import strategies as st

from intranet.people.ldap import OPENLDAP_ADMIN_LOCK, UserEntryMapper

# (mapped field, setting naming its attribute, length kept)
FIELDS = [
    ("first_name", "LDAP_ATTR_FIRST_NAME", 150),
    ("last_name", "LDAP_ATTR_LAST_NAME", 150),
    ("email", "LDAP_ATTR_EMAIL", 254),
    ("phone", "LDAP_ATTR_PHONE", 30),
    ("mobile", "LDAP_ATTR_MOBILE", 30),
    ("job_title", "LDAP_ATTR_TITLE", 200),
    ("manager_dn", "LDAP_ATTR_MANAGER", None),
]


def _reference_first(attrs: dict, name: str) -> str:
    for key, values in attrs.items():
        if key.lower() == name.lower() and values:
            value = values[0]
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return ""


def _reference(attrs: dict) -> dict:
    s = django_settings
    expected = {key: _reference_first(attrs, getattr(s, setting))[:size] for key, setting, size in FIELDS}
    expected["username"] = _reference_first(attrs, s.LDAP_ATTR_USERNAME).strip().lower()[:150]
    number = _reference_first(attrs, s.LDAP_ATTR_REGISTRATION_NUMBER)
    expected["registration_number"] = number.strip()[:32]
    guid = next((v for k, v in attrs.items() if k.lower() == s.LDAP_ATTR_GUID.lower() and v), None)
    raw = guid[0] if guid else None
    expected["guid"] = (
        "" if raw is None else (raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw).lower()
    )
    expected["disabled"] = _reference_first(attrs, "pwdAccountLockedTime") == OPENLDAP_ADMIN_LOCK
    return expected


def _spellings(name: str):
    return st.sampled_from([name, name.lower(), name.upper()])


_value = st.one_of(
    st.text(max_size=12).map(str.encode),  # UTF-8: the C-level path
    st.binary(max_size=12),  # often not UTF-8: field by field, replacement characters
    st.text(max_size=12),  # str, as in a login's entry
)


@st.composite
def entries(draw):
    s = django_settings
    names = [getattr(s, setting) for _key, setting, _size in FIELDS]
    names += [s.LDAP_ATTR_USERNAME, s.LDAP_ATTR_REGISTRATION_NUMBER, s.LDAP_ATTR_GUID, "pwdAccountLockedTime"]
    attrs = {}
    for name in draw(st.permutations(names)):
        if draw(st.booleans()):
            continue  # absent
        values = draw(st.lists(_value, max_size=2))  # an empty list too
        if name == "pwdAccountLockedTime" and draw(st.booleans()):
            values = [OPENLDAP_ADMIN_LOCK.encode()]
        attrs[draw(_spellings(name))] = values
    return attrs


@settings(max_examples=300, deadline=None)
@given(entries())
@example({"uid": [b" Agent1 "], "sn": [b"Num\xc3\xa9ro"], "entryUUID": [str(uuid.UUID(int=1)).encode()]})
@example({"uid": [b"a\xff"], "SN": [], "mail": ["x@y"]})
def test_the_mapper_reads_what_a_plain_reading_reads(attrs):
    mapper = UserEntryMapper()
    mapped = mapper("uid=x,ou=y", attrs)
    expected = _reference(attrs)
    assert {key: mapped[key] for key in expected} == expected
    # The same entry again takes the plan learned on first sight and gives the same.
    assert mapper("uid=x,ou=y", attrs) == mapped
