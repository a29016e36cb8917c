"""LDAP settings (issue 3), built from the environment. Off when LDAP_SERVER_URI is empty.

Defines LDAP_ENABLED, LDAP_BACKENDS (authentication backends base.py inserts before ModelBackend, so local
accounts keep working) and the LDAP_* settings read by both the login backend and `manage.py ldap_sync`.
Defaults suit OpenLDAP (inetOrgPerson); docs/ldap.md gives the Active Directory values.
"""

from django.core.exceptions import ImproperlyConfigured

from .env import env

LDAP_SERVER_URI = env.str("LDAP_SERVER_URI", default="").strip()
LDAP_ENABLED = bool(LDAP_SERVER_URI)


def _invalid(name: str, value, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"La variable d'environnement {name} vaut « {value} » : {expected} (voir docs/ldap.md)."
    )


LDAP_BIND_DN = env.str("LDAP_BIND_DN", default="")
LDAP_BIND_PASSWORD = env.str("LDAP_BIND_PASSWORD", default="")
LDAP_USER_BASE = env.str("LDAP_USER_BASE", default="")
LDAP_USER_FILTER = env.str("LDAP_USER_FILTER", default="(objectClass=inetOrgPerson)").strip()
LDAP_GROUP_BASE = env.str("LDAP_GROUP_BASE", default="")
LDAP_GROUP_TYPE = env.str("LDAP_GROUP_TYPE", default="groupOfNames").strip()
_start_tls = env.str("LDAP_START_TLS", default="false").strip().lower()
if _start_tls not in {"true", "false", "1", "0", "yes", "no", "on", "off", ""}:
    # django-environ reads any unknown word as false: TLS silently off is not an acceptable guess.
    raise _invalid("LDAP_START_TLS", _start_tls, "true ou false est attendu")
LDAP_START_TLS = _start_tls in {"true", "1", "yes", "on"}
LDAP_CA_FILE = env.str("LDAP_CA_FILE", default="")
LDAP_TIMEOUT = env.int("LDAP_TIMEOUT", default=5)
LDAP_PAGE_SIZE = env.int("LDAP_PAGE_SIZE", default=500)
LDAP_MAX_LEAVER_RATIO = env.float("LDAP_MAX_LEAVER_RATIO", default=0.05)
# "dn": departments are the OUs between LDAP_USER_BASE and the entry (nested OUs = sub-departments);
# "attribute": the value of LDAP_ATTR_DEPARTMENT names a department (flat).
LDAP_DEPARTMENT_FROM = env.str("LDAP_DEPARTMENT_FROM", default="dn").strip()

_GROUP_FILTERS = {
    "groupOfNames": "(objectClass=groupOfNames)",
    "posix": "(objectClass=posixGroup)",
    "activedirectory": "(objectClass=group)",
}
if LDAP_GROUP_TYPE not in _GROUP_FILTERS:
    raise _invalid(
        "LDAP_GROUP_TYPE", LDAP_GROUP_TYPE, "valeurs possibles groupOfNames, posix ou activedirectory"
    )
LDAP_GROUP_FILTER = env.str("LDAP_GROUP_FILTER", default=_GROUP_FILTERS[LDAP_GROUP_TYPE]).strip()

# Attribute mapping; OpenLDAP (inetOrgPerson) defaults, Active Directory values in docs/ldap.md.
LDAP_ATTR_USERNAME = env.str("LDAP_ATTR_USERNAME", default="uid")
LDAP_ATTR_FIRST_NAME = env.str("LDAP_ATTR_FIRST_NAME", default="givenName")
LDAP_ATTR_LAST_NAME = env.str("LDAP_ATTR_LAST_NAME", default="sn")
LDAP_ATTR_EMAIL = env.str("LDAP_ATTR_EMAIL", default="mail")
LDAP_ATTR_PHONE = env.str("LDAP_ATTR_PHONE", default="telephoneNumber")
LDAP_ATTR_MOBILE = env.str("LDAP_ATTR_MOBILE", default="mobile")
LDAP_ATTR_TITLE = env.str("LDAP_ATTR_TITLE", default="title")
LDAP_ATTR_DEPARTMENT = env.str("LDAP_ATTR_DEPARTMENT", default="departmentNumber")
LDAP_ATTR_MANAGER = env.str("LDAP_ATTR_MANAGER", default="manager")
LDAP_ATTR_GUID = env.str("LDAP_ATTR_GUID", default="entryUUID")
# The payroll's registration number (matricule) of each agent, read when the entry carries it (ged.payslips).
LDAP_ATTR_REGISTRATION_NUMBER = env.str("LDAP_ATTR_REGISTRATION_NUMBER", default="employeeNumber")
LDAP_ATTR_EMPLOYER = env.str("LDAP_ATTR_EMPLOYER", default="")  # empty: employer from the OU mapping
# Group membership: "member" (groupOfNames, AD) holds DNs, "memberUid" (posix) holds user names.
LDAP_ATTR_GROUP_MEMBER = env.str(
    "LDAP_ATTR_GROUP_MEMBER", default="memberUid" if LDAP_GROUP_TYPE == "posix" else "member"
)
LDAP_ATTR_GROUP_NAME = env.str("LDAP_ATTR_GROUP_NAME", default="cn")

_attr_names = {k: v for k, v in globals().items() if k.startswith("LDAP_ATTR_")}
for _name, _value in _attr_names.items():
    if _value and not all(c.isalnum() or c in "-;." for c in _value):
        raise _invalid(_name, _value, "un nom d'attribut LDAP (lettres, chiffres et tirets) est attendu")
if LDAP_DEPARTMENT_FROM not in {"dn", "attribute"}:
    raise _invalid("LDAP_DEPARTMENT_FROM", LDAP_DEPARTMENT_FROM, "valeurs possibles dn ou attribute")
if not 1 <= LDAP_PAGE_SIZE <= 1000:
    # Active Directory refuses pages above its MaxPageSize (1000 by default).
    raise _invalid("LDAP_PAGE_SIZE", LDAP_PAGE_SIZE, "un nombre entre 1 et 1000 est attendu")
if not 0 <= LDAP_MAX_LEAVER_RATIO <= 1:
    raise _invalid("LDAP_MAX_LEAVER_RATIO", LDAP_MAX_LEAVER_RATIO, "une proportion entre 0 et 1 est attendue")
if LDAP_TIMEOUT <= 0:
    raise _invalid("LDAP_TIMEOUT", LDAP_TIMEOUT, "un nombre de secondes positif est attendu")
for _name in ("LDAP_USER_FILTER", "LDAP_GROUP_FILTER"):
    _value = globals()[_name]
    if not (_value.startswith("(") and _value.endswith(")") and _value.count("(") == _value.count(")")):
        raise _invalid(
            _name, _value, "un filtre LDAP entre parenthèses est attendu, par exemple (objectClass=person)"
        )

LDAP_BACKENDS: list[str] = []
if LDAP_ENABLED:
    if not LDAP_SERVER_URI.startswith(("ldap://", "ldaps://", "ldapi://")):
        raise _invalid(
            "LDAP_SERVER_URI", LDAP_SERVER_URI, "une adresse ldap://, ldaps:// ou ldapi:// est attendue"
        )
    if not LDAP_USER_BASE:
        raise ImproperlyConfigured(
            "La variable d'environnement LDAP_USER_BASE est obligatoire quand LDAP_SERVER_URI est défini "
            "(par exemple ou=people,dc=ccfi,dc=fr ; voir docs/ldap.md)."
        )
    if LDAP_CA_FILE:
        from pathlib import Path

        if not Path(LDAP_CA_FILE).is_file():
            raise _invalid(
                "LDAP_CA_FILE", LDAP_CA_FILE, "le chemin d'un certificat d'autorité lisible est attendu"
            )
    LDAP_BACKENDS = ["intranet.people.ldap.DirectoryBackend"]

# django-auth-ldap's own settings (AUTH_LDAP_*) are not used: intranet.people.ldap.DirectoryBackend builds
# them from the LDAP_* values above, so one set of variables drives both login and sync.
