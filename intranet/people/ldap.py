"""The directory adapter (OpenLDAP or Active Directory): connection, paged search, mapping, login backend.

Everything reads the LDAP_* settings (intranet/settings/ldap.py); using it while LDAP_SERVER_URI is empty
raises ImproperlyConfigured. The sync lives in ldap_sync.py; this module only talks to the directory.
"""

import functools
import logging
import operator
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import ldap
import ldap.dn
import ldap.filter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django_auth_ldap.backend import LDAPBackend, ldap_error
from django_auth_ldap.config import LDAPSearch, LDAPSettings
from ldap.controls import DecodeControlTuples, SimplePagedResultsControl

logger = logging.getLogger(__name__)

# OpenLDAP ppolicy: this exact value means "locked by an administrator" (permanent); other values are
# temporary lockouts after failed binds, which must not turn an agent into a leaver.
OPENLDAP_ADMIN_LOCK = "000001010000Z"
AD_ACCOUNTDISABLE = 0x2
DISABLED_MARKERS = ("userAccountControl", "pwdAccountLockedTime", "msDS-UserAccountDisabled")
UNREACHABLE_ERRORS = (ldap.SERVER_DOWN, ldap.TIMEOUT, ldap.CONNECT_ERROR)


def require_settings() -> None:
    if not getattr(settings, "LDAP_SERVER_URI", ""):
        raise ImproperlyConfigured(
            "L'annuaire LDAP n'est pas configuré : définissez LDAP_SERVER_URI, LDAP_BIND_DN, "
            "LDAP_BIND_PASSWORD et LDAP_USER_BASE (voir docs/ldap.md)."
        )


def connection_options() -> dict:
    """Per-connection options, TLS included. OPT_X_TLS_NEWCTX must come last: it applies the TLS options
    set before it, which python-ldap otherwise ignores on an existing handle."""
    options = {
        ldap.OPT_PROTOCOL_VERSION: ldap.VERSION3,
        ldap.OPT_REFERRALS: 0,  # Active Directory sends referrals the service account cannot follow
        ldap.OPT_NETWORK_TIMEOUT: settings.LDAP_TIMEOUT,
        ldap.OPT_TIMEOUT: settings.LDAP_TIMEOUT * 6,
    }
    if settings.LDAP_START_TLS or settings.LDAP_SERVER_URI.startswith("ldaps://"):
        options[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_DEMAND
        if settings.LDAP_CA_FILE:
            options[ldap.OPT_X_TLS_CACERTFILE] = settings.LDAP_CA_FILE
        options[ldap.OPT_X_TLS_NEWCTX] = 0
    return options


def connect():
    """A connection bound with the service account (LDAP_BIND_DN; anonymous when empty)."""
    require_settings()
    conn = ldap.initialize(settings.LDAP_SERVER_URI, bytes_mode=False)
    for option, value in connection_options().items():
        conn.set_option(option, value)
    if settings.LDAP_START_TLS:
        conn.start_tls_s()
    conn.simple_bind_s(settings.LDAP_BIND_DN, settings.LDAP_BIND_PASSWORD)
    return conn


@dataclass
class SearchResult:
    entries: list[tuple[str, dict]] = field(default_factory=list)
    complete: bool = True
    problem: str = ""  # why the result is incomplete, in French, for the summary
    pages: int = 0


def paged_search(
    conn,
    base: str,
    filterstr: str,
    attrlist: list[str],
    page_size: int | None = None,
    transform: Callable[[str, dict], Any] | None = None,
):
    """All entries under `base` matching `filterstr`, page by page (RFC 2696).

    Entries are read one message at a time as the server sends them, and `transform(dn, attrs)` (when given)
    runs on each while the next ones are on the wire: the result holds what it returns (None drops the
    entry). Waiting for whole pages instead costs about twice the time of `ldapsearch` on 10,000 entries.

    Never raises for directory errors: the result says whether it is complete. Complete means every page
    succeeded, no size or time limit was hit and the last page returned an empty cookie (or the server
    ignored paging and still answered without a limit error).
    """
    return PagedSearch(conn, base, filterstr, attrlist, page_size, transform).start().finish()


class PagedSearch:
    """`paged_search` in two steps, so that two searches can run at once on one connection: `start()` sends
    the request for the first page and returns at once; `finish()` reads every page (requesting the next
    ones) and returns the SearchResult. The server works on a started search while the client reads another
    one: its answers wait, queued by libldap, until `finish()` reads them."""

    def __init__(
        self,
        conn,
        base: str,
        filterstr: str,
        attrlist: list[str],
        page_size: int | None = None,
        transform: Callable[[str, dict], Any] | None = None,
    ):
        self.conn = conn
        self.base, self.filterstr, self.attrlist = base, filterstr, attrlist
        self.transform = transform
        self.control = SimplePagedResultsControl(
            criticality=True, size=page_size or settings.LDAP_PAGE_SIZE, cookie=""
        )
        self.result = SearchResult()
        self.msgid = None

    def _send(self):
        self.msgid = self.conn.search_ext(
            self.base, ldap.SCOPE_SUBTREE, self.filterstr, self.attrlist, serverctrls=[self.control]
        )

    def _fail(self, exc: Exception):
        result = self.result
        result.complete = False
        if isinstance(exc, ldap.SIZELIMIT_EXCEEDED):
            result.problem = (
                "limite de taille atteinte (sizelimit) : donnez au compte de synchronisation une limite "
                "plus haute"
            )
        elif isinstance(exc, ldap.TIMELIMIT_EXCEEDED):
            result.problem = "limite de temps atteinte (timelimit)"
        else:
            result.problem = describe_error(exc)

    def start(self) -> "PagedSearch":
        try:
            self._send()
        except ldap.LDAPError as exc:
            self._fail(exc)
        return self

    def finish(self) -> SearchResult:
        result = self.result
        if self.msgid is None:  # the first request already failed
            return result
        control, transform = self.control, self.transform
        read = _message_reader(self.conn)
        response_controls = {SimplePagedResultsControl.controlType: SimplePagedResultsControl}
        entries = result.entries
        paging_seen = False
        try:
            while True:
                msgid = self.msgid
                while True:
                    rtype, rdata, raw_controls = read(msgid)
                    if rtype == RES_SEARCH_ENTRY:
                        for dn, attrs in rdata:
                            if transform is None:
                                entries.append((dn, attrs))
                            else:
                                item = transform(dn, attrs)
                                if item is not None:
                                    entries.append(item)
                    elif rtype == RES_SEARCH_RESULT:
                        break
                    # Anything else (search references): not entries of ours.
                rctrls = DecodeControlTuples(raw_controls, response_controls)
                result.pages += 1
                paged = [c for c in rctrls if c.controlType == SimplePagedResultsControl.controlType]
                if not paged:
                    if paging_seen:
                        result.complete = False
                        result.problem = "le serveur a cessé de paginer sans signaler la dernière page"
                    break
                paging_seen = True
                if not paged[0].cookie:
                    break
                control.cookie = paged[0].cookie
                self._send()
        except ldap.LDAPError as exc:
            self._fail(exc)
        return result


RES_SEARCH_ENTRY, RES_SEARCH_RESULT = ldap.RES_SEARCH_ENTRY, ldap.RES_SEARCH_RESULT


def _message_reader(conn):
    """`read(msgid)` -> (type, data, raw controls) of the search's next message.

    python-ldap's public `result3` goes through three Python layers per call (result3, result4, _ldap_call,
    with a Python-level lock) and decodes the response controls of every message: a few microseconds each,
    once per entry. This calls the C method of the connection (`_l`, python-ldap 3.x, pinned in
    pyproject.toml) directly: a search's connection is read only by the thread that started it, so the lock
    has nothing to guard, and the caller decodes the controls of the one message that has them (the page's
    result). Errors are the same `ldap.LDAPError`s."""
    result4 = conn._l.result4

    def read(msgid):
        rtype, rdata, _rmsgid, controls = result4(msgid, 0, -1, 0, 0, 0)
        return rtype, rdata, controls

    return read


def describe_error(exc: Exception) -> str:
    if isinstance(exc, ldap.LDAPError) and exc.args and isinstance(exc.args[0], dict):
        info = exc.args[0]
        return " ".join(str(info.get(k, "")) for k in ("desc", "info") if info.get(k)) or type(exc).__name__
    return str(exc) or type(exc).__name__


def dn_key(parts) -> str:
    """A comparable key for a DN already split by `ldap.dn.str2dn`: attribute types and values lower-cased,
    escaping removed (control characters separate the parts, so no value can fake a boundary)."""
    return "\x1f".join(["\x1e".join([t + "=" + v for t, v, _f in rdn]) for rdn in parts]).lower()


# A DN without escapes, quoted or hex values, or multi-valued RDNs: split on "," and "=" gives the same key
# as the full RFC 4514 parser, about ten times faster (directories are made of such DNs).
_PLAIN_DN = re.compile(r"^[^\\\"+#<>;]+=[^\\\"+#<>;]*$")


# The common DN, `uid=x,ou=y,dc=z`: RDNs of one `type=value` each, the type a name or an OID, the value
# neither empty nor starting or ending with a space, no "=" inside it, none of the characters that need the
# slower paths below (escapes, quotes, multi-valued RDNs, hex values). A single left-to-right match: about
# five times faster than searching for each thing that is not allowed, which mattered on the first run of a
# process (10,000 DNs, none cached).
_SIMPLE_TYPE = r"(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)"  # RFC 4512 descr or numericoid
_SIMPLE_VALUE = r"[^\s,=\\\"+#<>;](?:[^,=\\\"+#<>;]*[^\s,=\\\"+#<>;])?"
_SIMPLE_DN = re.compile(f"{_SIMPLE_TYPE}={_SIMPLE_VALUE}(?:,{_SIMPLE_TYPE}={_SIMPLE_VALUE})*")


@functools.lru_cache(maxsize=65536)
def dn_key_of(dn: str) -> str | None:
    """The comparable key of a DN string (see dn_key), or None when it cannot be parsed."""
    if _SIMPLE_DN.fullmatch(dn):
        # The common case, `uid=x,ou=y,dc=z`: the key is the DN lower-cased with its separators swapped, two
        # C-speed string operations.
        return dn.lower().replace(",", "\x1f")
    if _PLAIN_DN.match(dn):
        parts = []
        for rdn in dn.split(","):
            attr, sep, value = rdn.partition("=")
            attr, value = attr.strip(), value.strip()
            if not sep or not attr or not value:
                break
            parts.append(attr + "=" + value)
        else:
            return "\x1f".join(parts).lower()
    try:
        return dn_key(ldap.dn.str2dn(dn))
    except (ldap.DECODING_ERROR, UnicodeDecodeError):
        # python-ldap raises the latter for a hex escape that is not UTF-8 (`cn=\\b1`).
        return None


def normalize_dn(dn: str) -> str:
    """A comparable form of a DN (see dn_key). Member and manager values repeat: cached."""
    key = dn_key_of(dn)
    return dn.strip().lower() if key is None else key


def split_dn(dn: str) -> list:
    return ldap.dn.str2dn(dn)


def dn_parents(dn: str) -> list[str]:
    """The DN's ancestors, nearest first, each as an original-case DN string."""
    parts = ldap.dn.str2dn(dn)
    return [ldap.dn.dn2str(parts[i:]) for i in range(1, len(parts))]


def rdn_value(dn: str) -> str:
    """The first RDN's value; the DN itself when it cannot be parsed (a group named by an odd DN keeps it)."""
    try:
        return ldap.dn.str2dn(dn)[0][0][1]
    except (ldap.DECODING_ERROR, UnicodeDecodeError, IndexError):
        return dn


def user_filter(username: str) -> str:
    """The search filter for one login name, escaped (RFC 4515): `*)(uid=*` matches nobody."""
    value = ldap.filter.escape_filter_chars(username)
    return f"(&{settings.LDAP_USER_FILTER}({settings.LDAP_ATTR_USERNAME}={value}))"


def user_attrlist() -> list[str]:
    names = [
        settings.LDAP_ATTR_USERNAME,
        settings.LDAP_ATTR_FIRST_NAME,
        settings.LDAP_ATTR_LAST_NAME,
        settings.LDAP_ATTR_EMAIL,
        settings.LDAP_ATTR_PHONE,
        settings.LDAP_ATTR_MOBILE,
        settings.LDAP_ATTR_TITLE,
        settings.LDAP_ATTR_MANAGER,
        settings.LDAP_ATTR_GUID,  # operational on OpenLDAP (entryUUID): only returned when asked for
        settings.LDAP_ATTR_REGISTRATION_NUMBER,
        *DISABLED_MARKERS,
    ]
    if settings.LDAP_DEPARTMENT_FROM == "attribute":
        names.append(settings.LDAP_ATTR_DEPARTMENT)
    if settings.LDAP_ATTR_EMPLOYER:
        names.append(settings.LDAP_ATTR_EMPLOYER)
    return sorted({n for n in names if n})


def group_attrlist() -> list[str]:
    return [settings.LDAP_ATTR_GROUP_NAME, settings.LDAP_ATTR_GROUP_MEMBER, settings.LDAP_ATTR_GUID]


def _lower(attrs: dict) -> dict:
    # Attribute names are case-insensitive; servers echo them in their own case.
    return {k.lower(): v for k, v in attrs.items()}


def _first(attrs: dict, name: str) -> str:
    """First value of `name` in a dict made by `_lower`."""
    raw = attrs.get(name.lower()) if name else None
    if not raw:
        return ""
    value = raw[0]
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _values(attrs: dict, name: str) -> list[str]:
    raw = attrs.get(name.lower(), ()) if name else ()
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in raw]


def _guid(attrs: dict, name: str = "") -> str:
    name = (name or settings.LDAP_ATTR_GUID).lower()
    raw = attrs.get(name)
    if not raw:
        return ""
    value = raw[0]
    if isinstance(value, bytes) and len(value) == 16 and name == "objectguid":
        return str(uuid.UUID(bytes_le=value))  # AD objectGUID: 16 binary bytes, little-endian fields
    return (value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)).lower()


def is_disabled(attrs: dict, *, lowered: bool = False) -> bool:
    """Disabled in the directory: AD ACCOUNTDISABLE bit, AD LDS flag, or an OpenLDAP administrator lock."""
    if not lowered:
        attrs = _lower(attrs)
    uac = _first(attrs, "userAccountControl")
    if uac.lstrip("-").isdigit() and int(uac) & AD_ACCOUNTDISABLE:
        return True
    if _first(attrs, "msDS-UserAccountDisabled").upper() == "TRUE":
        return True
    return _first(attrs, "pwdAccountLockedTime") == OPENLDAP_ADMIN_LOCK


def user_mapping() -> SimpleNamespace:
    """The LDAP_ATTR_* settings read once: the sync maps thousands of entries with them."""
    return SimpleNamespace(
        **{name: getattr(settings, name) for name in dir(settings) if name.startswith("LDAP_")}
    )


_first_value = operator.itemgetter(0)
_decode = bytes.decode


class UserEntryMapper:
    """`entry_to_user` compiled once for a run: the LDAP_ATTR_* names resolved to slots up front, a plan per
    set of attribute names the server sends (learned on first sight), only the first value of the mapped
    attributes decoded. The sync maps every entry with one instance (one dict lookup per field, no walk or
    lower-cased copy of the entry)."""

    def __init__(self, mapping: SimpleNamespace | None = None):
        s = mapping or user_mapping()
        self.guid_is_objectguid = (s.LDAP_ATTR_GUID or "").lower() == "objectguid"
        fields = [
            ("guid", s.LDAP_ATTR_GUID),
            ("username", s.LDAP_ATTR_USERNAME),
            ("first_name", s.LDAP_ATTR_FIRST_NAME),
            ("last_name", s.LDAP_ATTR_LAST_NAME),
            ("email", s.LDAP_ATTR_EMAIL),
            ("phone", s.LDAP_ATTR_PHONE),
            ("mobile", s.LDAP_ATTR_MOBILE),
            ("job_title", s.LDAP_ATTR_TITLE),
            ("manager_dn", s.LDAP_ATTR_MANAGER),
            ("department", s.LDAP_ATTR_DEPARTMENT if s.LDAP_DEPARTMENT_FROM == "attribute" else ""),
            ("employer", s.LDAP_ATTR_EMPLOYER or ""),
            ("registration_number", getattr(s, "LDAP_ATTR_REGISTRATION_NUMBER", "") or ""),
            *((marker, marker) for marker in DISABLED_MARKERS),
        ]
        # One slot per distinct attribute (two settings may name the same one); -1 for "not mapped".
        self.slot_of: dict[str, int] = {}
        self.field_slots: dict[str, int] = {}
        for key, name in fields:
            if name:
                self.field_slots[key] = self.slot_of.setdefault(name.lower(), len(self.slot_of))
            else:
                self.field_slots[key] = -1
        self.guid_slot = self.field_slots["guid"]
        self.text_slots = [
            self.field_slots[key]
            for key in (
                "username",
                "first_name",
                "last_name",
                "email",
                "phone",
                "mobile",
                "job_title",
                "manager_dn",
                "department",
                "employer",
                "registration_number",
                *DISABLED_MARKERS,
            )
        ]
        self.plans: dict[tuple, tuple[list, object]] = {}  # attribute names of an entry -> _plan
        self.expected = {
            s.LDAP_ATTR_USERNAME: "username",
            s.LDAP_ATTR_GUID: "guid",
            s.LDAP_ATTR_LAST_NAME: "last_name",
            s.LDAP_ATTR_EMAIL: "email",
        }.items()

    def _plan(self, names: tuple) -> tuple:
        """For one spelling and order of an entry's attribute names: the name feeding each text field ("" when
        the entry lacks it), the GUID's name, and two item getters: `take` reads the present attributes' value
        lists in one call, `spread` puts their decoded first values into the text fields' order."""
        by_slot: dict[int, str] = {}
        for name in names:
            slot = self.slot_of.get(name.lower())
            if slot is not None:
                by_slot[slot] = name
        # "" for a field the entry lacks: no attribute has that name, and a login's case-insensitive dict
        # (ldap.cidict) can look it up, where None would fail.
        fields = [by_slot.get(slot, "") if slot >= 0 else "" for slot in self.text_slots]
        present = list(dict.fromkeys(name for name in fields if name))
        if len(present) > 1:
            take = operator.itemgetter(*present)
        elif present:
            only = present[0]
            take = lambda attrs: (attrs[only],)  # noqa: E731  (itemgetter of one name returns no tuple)
        else:
            take = lambda attrs: ()  # noqa: E731
        # The decoded values come with a trailing "" that every absent field points at.
        spread = operator.itemgetter(*[present.index(name) if name else len(present) for name in fields])
        return fields, by_slot.get(self.guid_slot, "") if self.guid_slot >= 0 else "", take, spread

    def __call__(self, dn: str, attrs) -> dict:
        # A directory sends its entries with the same few sets of attribute names: the names' tuple picks a
        # plan made once, and each field is one dict lookup (no walk of the entry, no lower-casing).
        names = tuple(attrs)
        plan = self.plans.get(names)
        if plan is None:
            plan = self._plan(names)
            if len(self.plans) < 1024:  # a few in practice; bounded whatever the directory sends
                self.plans[names] = plan
        fields, guid_name, take, spread = plan
        get = attrs.get
        try:
            # Each field's first value, decoded as strict UTF-8, in three C-level calls and no Python loop.
            text = spread((*map(_decode, map(_first_value, take(attrs))), ""))
        except (TypeError, UnicodeDecodeError, IndexError, KeyError):
            # A value that is not UTF-8 bytes (replaced characters), an empty list, a str (tests, logins):
            # field by field; absent or empty: "".
            text = [
                (value.decode("utf-8", "replace") if (value := values[0]).__class__ is bytes else str(value))
                if (values := get(name))
                else ""
                for name in fields
            ]
        (
            username,
            first_name,
            last_name,
            email,
            phone,
            mobile,
            job_title,
            manager_dn,
            department,
            employer,
            registration_number,
        ) = text[:11]
        uac, locked, ad_disabled = text[11:]  # DISABLED_MARKERS order
        guid_values = get(guid_name)
        raw_guid = guid_values[0] if guid_values else None
        if raw_guid is None:
            guid = ""
        elif self.guid_is_objectguid and raw_guid.__class__ is bytes and len(raw_guid) == 16:
            guid = str(uuid.UUID(bytes_le=raw_guid))  # AD objectGUID: 16 binary bytes, little-endian fields
        else:
            guid = (
                raw_guid.decode("ascii", "replace") if raw_guid.__class__ is bytes else str(raw_guid)
            ).lower()
        disabled = bool(
            (uac and uac.lstrip("-").isdigit() and int(uac) & AD_ACCOUNTDISABLE)
            or (ad_disabled and ad_disabled.upper() == "TRUE")
            or locked == OPENLDAP_ADMIN_LOCK
        )
        data = {
            "dn": dn,
            "guid": guid,
            "username": username.strip().lower()[:150],
            "first_name": first_name[:150],
            "last_name": last_name[:150],
            "email": email[:254],
            "phone": phone[:30],
            "mobile": mobile[:30],
            "job_title": job_title[:200],
            "manager_dn": manager_dn,
            "department": department,
            "employer": employer,
            "registration_number": registration_number.strip()[:32],
            "disabled": disabled,
        }
        data["missing"] = [attr for attr, key in self.expected if not data[key]]
        return data


def entry_to_user(dn: str, attrs: dict, mapping: SimpleNamespace | None = None) -> dict:
    """Map one directory entry to the user fields the sync writes. `missing` lists the expected attributes
    the entry lacks, so the run can report them instead of failing. (The sync keeps one UserEntryMapper for
    the whole run; this builds one per call, which is fine at login.)"""
    return UserEntryMapper(mapping)(dn, attrs)


def entry_to_group(dn: str, attrs: dict) -> dict:
    attrs = _lower(attrs)
    return {
        "dn": dn,
        "guid": _guid(attrs),
        "name": _first(attrs, settings.LDAP_ATTR_GROUP_NAME) or rdn_value(dn),
        "members": _values(attrs, settings.LDAP_ATTR_GROUP_MEMBER),
    }


# --- Login ------------------------------------------------------------------------------------------------


def backend_settings() -> LDAPSettings:
    """django-auth-ldap's settings built from LDAP_*, so one set of variables drives login and sync, and
    override_settings on LDAP_* works in tests."""
    require_settings()
    s = settings
    search_filter = "(&{}({}=%(user)s))".format(s.LDAP_USER_FILTER.replace("%", "%%"), s.LDAP_ATTR_USERNAME)
    return LDAPSettings(
        "AUTH_LDAP_",
        {
            "SERVER_URI": s.LDAP_SERVER_URI,
            "BIND_DN": s.LDAP_BIND_DN,
            "BIND_PASSWORD": s.LDAP_BIND_PASSWORD,
            "START_TLS": s.LDAP_START_TLS,
            "CONNECTION_OPTIONS": connection_options(),
            # %(user)s is escaped by LDAPSearch (ldap.filter.escape_filter_chars).
            "USER_SEARCH": LDAPSearch(s.LDAP_USER_BASE, ldap.SCOPE_SUBTREE, search_filter, user_attrlist()),
            "USER_ATTR_MAP": {
                "first_name": s.LDAP_ATTR_FIRST_NAME,
                "last_name": s.LDAP_ATTR_LAST_NAME,
                "email": s.LDAP_ATTR_EMAIL,
                "phone": s.LDAP_ATTR_PHONE,
                "job_title": s.LDAP_ATTR_TITLE,
            },
            "ALWAYS_UPDATE_USER": True,
            "PERMIT_EMPTY_PASSWORD": False,
            "MIRROR_GROUPS": None,  # groups come from `manage.py ldap_sync`, keyed by DN
        },
    )


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap, keyed on the directory's immutable id, that never takes over a local account."""

    @property
    def settings(self):
        if self._settings is None:
            self._settings = backend_settings()
        return self._settings

    @settings.setter
    def settings(self, value):
        self._settings = value

    def authenticate(self, request, username=None, password=None, **kwargs):
        # Refused before any bind: a simple bind with an empty password is an anonymous bind that succeeds.
        if not password or not username or "\x00" in username or len(username) > 150:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        # django-auth-ldap's get_user ignores is_active: a session opened before a deactivation (manual, or
        # by the sync) would stay logged in. Refused here like ModelBackend does.
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def get_or_build_user(self, username, ldap_user):
        entry = entry_to_user(ldap_user.dn, ldap_user.attrs or {})
        if entry["disabled"]:
            raise ldap_user.AuthenticationFailed("account disabled in the directory")
        model = get_user_model()
        user = model.objects.filter(ldap_guid=entry["guid"]).first() if entry["guid"] else None
        if user is None:
            user = model.objects.filter(ldap_dn=ldap_user.dn).first()
        name = entry["username"] or username.lower()
        if user is None:
            clash = model.objects.filter(username__iexact=name).first()
            if clash is not None:
                # A local (break-glass) account or another directory entry already has this name: logging
                # in with the directory password must not open it.
                logger.warning("LDAP login refused for %s: the username belongs to another account", name)
                raise ldap_user.AuthenticationFailed("username taken by another account")
            user, built = model(username=name), True
        else:
            built = False
        user.ldap_guid = entry["guid"] or user.ldap_guid
        user.ldap_dn = ldap_user.dn
        return user, built


def _flag_unreachable(sender, context, user, request, exception, **kwargs):
    """Remember on the request that the directory did not answer, so the login form can say so."""
    if request is not None and isinstance(exception, UNREACHABLE_ERRORS):
        request.ldap_unreachable = True


ldap_error.connect(_flag_unreachable, dispatch_uid="people_ldap_unreachable")
