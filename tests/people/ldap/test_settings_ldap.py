"""LDAP settings come from the environment; a malformed value stops start-up naming the variable."""

import importlib

import pytest
from django.core.exceptions import ImproperlyConfigured


@pytest.fixture
def reload_ldap_settings(monkeypatch):
    import intranet.settings.ldap as module

    def load(**env):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        return importlib.reload(module)

    yield load
    monkeypatch.undo()
    importlib.reload(module)


def test_ldap_is_off_by_default(reload_ldap_settings, monkeypatch):
    monkeypatch.delenv("LDAP_SERVER_URI", raising=False)
    module = reload_ldap_settings()
    assert module.LDAP_ENABLED is False and module.LDAP_BACKENDS == []
    assert module.LDAP_ATTR_USERNAME == "uid" and module.LDAP_ATTR_GUID == "entryUUID"


def test_configured_server_adds_the_backend(reload_ldap_settings):
    module = reload_ldap_settings(LDAP_SERVER_URI="ldaps://ad.ccfi.test", LDAP_USER_BASE="dc=ccfi,dc=test")
    assert module.LDAP_BACKENDS == ["intranet.people.ldap.DirectoryBackend"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LDAP_GROUP_TYPE", "nested"),
        ("LDAP_PAGE_SIZE", "5000"),
        ("LDAP_PAGE_SIZE", "cinq"),
        ("LDAP_MAX_LEAVER_RATIO", "2"),
        ("LDAP_START_TLS", "peut-être"),
        ("LDAP_USER_FILTER", "objectClass=person"),
        ("LDAP_ATTR_EMAIL", "mail)(x"),
        ("LDAP_SERVER_URI", "http://ad.ccfi.test"),
        ("LDAP_DEPARTMENT_FROM", "ou"),
    ],
)
def test_malformed_value_names_the_variable(reload_ldap_settings, variable, value):
    env = {"LDAP_SERVER_URI": "ldap://127.0.0.1", "LDAP_USER_BASE": "dc=ccfi,dc=test", variable: value}
    with pytest.raises(ImproperlyConfigured, match=variable):
        reload_ldap_settings(**env)


def test_server_without_user_base_is_refused(reload_ldap_settings, monkeypatch):
    monkeypatch.delenv("LDAP_USER_BASE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="LDAP_USER_BASE"):
        reload_ldap_settings(LDAP_SERVER_URI="ldap://127.0.0.1")


def test_active_directory_disabled_flag_and_guid_are_read():
    """AD: userAccountControl bit 2 means disabled; objectGUID is 16 little-endian bytes."""
    import uuid

    from django.test import override_settings

    from intranet.people.ldap import entry_to_user, is_disabled

    assert is_disabled({"userAccountControl": [b"514"]}) and not is_disabled({"userAccountControl": [b"512"]})
    assert is_disabled({"pwdAccountLockedTime": [b"000001010000Z"]})
    assert not is_disabled({"pwdAccountLockedTime": [b"20261128120000Z"]})  # a temporary lockout
    guid = uuid.uuid4()
    with override_settings(LDAP_ATTR_GUID="objectGUID", LDAP_ATTR_USERNAME="sAMAccountName"):
        entry = entry_to_user(
            "CN=Dupont\\, Jean,OU=Agents,DC=ccfi,DC=test",
            {
                "objectGUID": [guid.bytes_le],
                "sAMAccountName": [b"JDupont"],
                "sn": [b"Dupont"],
            },
        )
    assert entry["guid"] == str(guid) and entry["username"] == "jdupont"
    assert entry["missing"] == ["mail"]
