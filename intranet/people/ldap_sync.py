"""Full directory sync (`manage.py ldap_sync`): users, departments, groups, memberships, leavers.

One paged search of users and one of groups, then set-based writes: existing rows are loaded once, compared
field by field, and only the differences are written (bulk_create / bulk_update / one delete per group). A run
with nothing changed writes nothing, not even its audit event. Leavers are handled only after a complete
search, and never more than LDAP_MAX_LEAVER_RATIO of the active directory accounts at once.
"""

import contextlib
import gc
import hashlib
import logging
import secrets
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any

import ldap
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models.signals import m2m_changed
from django.utils import timezone
from django.utils.text import slugify

from intranet.audit.actions import audit_record
from intranet.audit.choices import Result

from . import ldap as directory
from .actions import _group_name
from .bulk import (
    BATCH,
    allocate_ids,
    bulk_update_values,
    fetch_tuples,
    insert_users,
    insert_values,
    model_columns,
)
from .choices import DepartmentKind
from .leavers import users_deactivate
from .models import Department, DirectoryGroup, Organisation, User
from .signals import directory_synced

logger = logging.getLogger(__name__)

# Directory-owned user fields, compared on every run; anything else (what I do, skills…) belongs to the agent.
USER_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "job_title",
    "registration_number",
    "department_id",
    "employer_id",
    "manager_id",
    "ldap_dn",
    "ldap_guid",
    "is_active",
]

# The columns of every existing row the sync reads: enough to match entries, compare digests and find
# leavers (suspended_at is read, never written: a local suspension is IT's decision, not the directory's).
# The other directory-owned columns (FULL_ROW_NAMES) are read only for the rows compared field by field (an
# entry whose digest changed): a run with nothing changed reads 7 columns of each agent instead of 16. Rows
# stay tuples; a row becomes a dict only when it is compared field by field or reported as a leaver.
ROW_NAMES = ["pk", "username", "ldap_guid", "ldap_dn", "is_active", "suspended_at", "ldap_hash"]
FULL_ROW_NAMES = ["pk", *USER_FIELDS, "suspended_at", "ldap_hash"]
_ROW = {name: i for i, name in enumerate(ROW_NAMES)}
R_PK, R_USERNAME, R_GUID, R_DN = _ROW["pk"], _ROW["username"], _ROW["ldap_guid"], _ROW["ldap_dn"]
R_ACTIVE, R_SUSPENDED, R_HASH = _ROW["is_active"], _ROW["suspended_at"], _ROW["ldap_hash"]


def _row_dict(row: tuple, names: list[str] = ROW_NAMES) -> dict:
    return dict(zip(names, row, strict=True))


def _full_rows(pks: list[int]) -> dict[int, tuple]:
    """FULL_ROW_NAMES of the given agents, by pk, in batches (SQLite caps a statement's parameters)."""
    found = {}
    for start in range(0, len(pks), BATCH):
        rows = User.objects.filter(pk__in=pks[start : start + BATCH]).values_list(*FULL_ROW_NAMES)
        found.update((row[0], row) for row in fetch_tuples(rows))
    return found


# The entry's own values in the digest, in order (User.ldap_hash: the digest of these, then of the rows they
# point to; the same bytes as ever, so stored digests stay valid).
_DIGEST_FIELDS = (
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


def _digest_head(entry: dict):
    """The digest fed with the entry's own values and a separator; entry_digest continues a copy."""
    head = "\x1f".join([entry[f] for f in _DIGEST_FIELDS]) + "\x1f"
    return hashlib.blake2b(head.encode(), digest_size=16)


@dataclass
class SyncReport:
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    reactivated: int = 0
    departments_created: int = 0
    groups_created: int = 0
    groups_updated: int = 0
    memberships_added: int = 0
    memberships_removed: int = 0
    entries: int = 0
    complete: bool = True
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    leavers: list[str] = field(default_factory=list)
    leavers_skipped: str = ""
    details: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.created,
                self.updated,
                self.deactivated,
                self.departments_created,
                self.groups_created,
                self.groups_updated,
                self.memberships_added,
                self.memberships_removed,
            )
        )

    def summary(self) -> str:
        prefix = "Simulation (--dry-run), rien n'est écrit. " if self.dry_run else ""
        text = (
            f"{prefix}Synchronisation LDAP : {self.entries} entrées lues ; {self.created} agents créés, "
            f"{self.updated} mis à jour (dont {self.reactivated} réactivés), "
            f"{self.deactivated} désactivés, {self.unchanged} inchangés ; "
            f"{self.departments_created} services et {self.groups_created} groupes créés, "
            f"{self.groups_updated} groupes mis à jour ; "
            f"{self.memberships_added} appartenances ajoutées, {self.memberships_removed} retirées."
        )
        if self.dry_run and self.leavers:
            text += f" Départs qui seraient traités : {len(self.leavers)}."
        return text

    def as_dict(self) -> dict:
        # Not dataclasses.asdict: it deep-copies `details` (one line per agent created) only to drop it.
        data = {f.name: getattr(self, f.name) for f in dataclass_fields(self) if f.name != "details"}
        data.update((name, list(value)) for name, value in data.items() if isinstance(value, list))
        data["warnings"] = data["warnings"][:50]  # the audit row stays small; the console has them all
        return data


def ldap_sync_run(*, dry_run: bool = False, progress=None) -> SyncReport:
    """Read the whole directory and bring users, departments, groups and memberships in line with it.

    `progress` (an `intranet.ops.progress.Progress`, optional) counts the directory entries as they arrive."""
    directory.require_settings()
    with _gc_paused():
        return _run(dry_run=dry_run, progress=progress)


@contextlib.contextmanager
def _gc_paused():
    """The cyclic garbage collector off for the run. A run allocates tens of objects per entry that live
    until it ends (entries, attribute lists, rows): every few thousand allocations the collector would walk
    them, and each full collection every object of the process (Django, Wagtail…), for nothing to free. That
    was about a third of a no-change run over 10,000 entries. Reference counting still frees what the run
    drops; anything cyclic is collected as usual once the collector is back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(*, dry_run: bool, progress) -> SyncReport:
    report = SyncReport(dry_run=dry_run)
    try:
        conn = directory.connect()
    except ldap.LDAPError as exc:
        report.complete = False
        report.problems.append(f"Connexion à l'annuaire impossible : {directory.describe_error(exc)}.")
        report.leavers_skipped = "annuaire injoignable"
        _audit(report)
        return report
    sync = _Sync(report)
    loader = _StateLoader(sync)
    group_conn = None
    try:
        # Entries are mapped as they arrive, while the next ones are still on the wire; on PostgreSQL the
        # database rows to compare them with are read meanwhile, by a worker thread.
        user_search = directory.PagedSearch(
            conn,
            settings.LDAP_USER_BASE,
            settings.LDAP_USER_FILTER,
            directory.user_attrlist(),
            transform=_counted(sync.map_entry, progress),
        ).start()
        group_search, groups = None, directory.SearchResult()
        if settings.LDAP_GROUP_BASE:
            # The group search is sent right away, on a second connection (a server keeps one paged search
            # per connection), so the directory answers it while the agents are being read and mapped.
            try:
                group_conn = directory.connect()
            except ldap.LDAPError as exc:
                groups.complete = False
                groups.problem = directory.describe_error(exc)
            else:
                group_search = directory.PagedSearch(
                    group_conn,
                    settings.LDAP_GROUP_BASE,
                    settings.LDAP_GROUP_FILTER,
                    directory.group_attrlist(),
                    transform=_counted(directory.entry_to_group, progress),
                ).start()
        users = user_search.finish()
        if group_search is not None:
            groups = group_search.finish()
    finally:
        for bound in (conn, group_conn):
            if bound is not None:
                with contextlib.suppress(ldap.LDAPError):
                    bound.unbind_s()
        loader.wait()
    for name, result in (("agents", users), ("groupes", groups)):
        if not result.complete:
            report.complete = False
            report.problems.append(f"Recherche des {name} incomplète : {result.problem}.")
    with transaction.atomic():
        sync.run(users, groups)
        if report.changed and not report.dry_run:
            transaction.on_commit(lambda: directory_synced.send(sender=_Sync, report=report))
    _audit(report)
    return report


def _counted(transform, progress):
    if progress is None:
        return transform

    def counted(dn, attrs):
        progress.advance()
        return transform(dn, attrs)

    return counted


class _StateLoader:
    """Runs `_Sync.load_state` in a worker thread while the directory answers, when that is safe: on
    PostgreSQL, outside any transaction (another connection could not see uncommitted rows). Elsewhere the
    state is loaded in the calling thread by `wait()`. Both read under READ COMMITTED, as the sync always did.
    """

    def __init__(self, sync: "_Sync"):
        self.sync = sync
        self.error: BaseException | None = None
        self.thread = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.thread = threading.Thread(target=self._load, name="ldap-sync-state", daemon=True)
            self.thread.start()

    def _load(self):
        try:
            self.sync.load_state()
        except BaseException as exc:  # noqa: BLE001  (re-raised in the calling thread by wait())
            self.error = exc
        finally:
            connection.close()  # this thread's own connection

    def wait(self):
        if self.thread is None:
            self.sync.load_state()
            return
        self.thread.join()
        if self.error is not None:
            raise self.error


def _audit(report: SyncReport) -> None:
    # A no-change run leaves no row: the timer runs it often, and "nothing happened" is in the journal.
    if report.dry_run or (not report.changed and not report.problems and not report.leavers_skipped):
        return
    audit_record(
        action="ldap.sync",
        actor_label="ldap_sync",
        result=Result.SUCCESS if report.complete and not report.leavers_skipped else Result.FAILURE,
        extra=report.as_dict(),
    )


class _Sync:
    def __init__(self, report: SyncReport):
        self.report = report
        self.dry = report.dry_run
        self.mapping = directory.user_mapping()
        self.map_user = directory.UserEntryMapper(self.mapping)
        self.seen: set[str] = set()
        self.now = timezone.now()
        self.base = directory.normalize_dn(settings.LDAP_USER_BASE)
        self._placeholder = 0
        self.employer_cache: dict[str, int | None] = {}
        self.chain_cache: dict[str, list[tuple[str, str]]] = {}
        # Read once: Django's settings object costs a lookup per access, twice per entry in the loops below.
        self.employer_attribute = bool(self.mapping.LDAP_ATTR_EMPLOYER)
        self.department_from_attribute = self.mapping.LDAP_DEPARTMENT_FROM == "attribute"

    def placeholder(self) -> int:
        """A negative id standing for a row a dry run would have created."""
        self._placeholder -= 1
        return self._placeholder

    def load_state(self):
        """Every row the comparison needs, read once, before any write (see _StateLoader)."""
        self.org_rows = list(
            Organisation.objects.values_list("pk", "name", "insee_code", "ldap_ou", "is_host")
        )
        self.department_rows = fetch_tuples(Department.objects.values_list("pk", "ldap_dn", "group_id"))
        self.user_rows = fetch_tuples(User.objects.filter(ldap_dn__isnull=False).values_list(*ROW_NAMES))
        self.local_usernames = list(
            User.objects.filter(ldap_dn__isnull=True).values_list("username", flat=True)
        )
        self.directory_groups = list(DirectoryGroup.objects.select_related("group"))
        self.group_names = set(Group.objects.values_list("name", flat=True))
        managed = {group_id for _pk, _dn, group_id in self.department_rows}
        managed.update(g.group_id for g in self.directory_groups)
        self.membership_pairs = fetch_tuples(
            User.groups.through.objects.filter(group_id__in=managed).values_list("user_id", "group_id")
        )

    def run(self, users: directory.SearchResult, groups: directory.SearchResult):
        self.users_result = users
        self.groups_result = groups
        self.entries = users.entries
        self.report.entries = len(self.entries)
        self.load_organisations()
        self.sync_departments()
        self.sync_users()
        self.sync_groups()
        self.sync_memberships()
        self.handle_leavers()

    # --- Entries --------------------------------------------------------------------------------------------

    def map_entry(self, dn: str, attrs: dict) -> dict | None:
        """One user entry as the sync needs it, or None (reported) when it cannot be used."""
        key = directory.dn_key_of(dn)
        if key is None:
            self.report.warnings.append(f"{dn} : DN illisible, entrée ignorée.")
            return None
        entry = self.map_user(dn, attrs)
        entry["key"] = key
        entry["parent"] = key.partition("\x1f")[2]
        if entry["missing"]:
            self.report.warnings.append(
                f"{dn} : attributs absents ({', '.join(entry['missing'])}), synchronisé avec le reste."
            )
        # What the digest takes from the entry alone, hashed now, while the next entries are on the wire
        # (entry_digest adds the rows it points to); dropped whenever one of these values changes.
        entry["digest_head"] = _digest_head(entry)
        entry["manager_key"] = directory.normalize_dn(entry["manager_dn"]) if entry["manager_dn"] else ""
        ident = entry["guid"] or key
        if ident in self.seen:
            self.report.warnings.append(f"{dn} : identifiant en double, entrée ignorée.")
            return None
        self.seen.add(ident)
        return entry

    # --- Organisations (employers) --------------------------------------------------------------------------

    def load_organisations(self):
        self.org_by_key = {}
        self.host_id = None
        for pk, name, insee_code, ldap_ou, is_host in self.org_rows:
            if is_host or self.host_id is None:
                self.host_id = pk
            if ldap_ou:
                self.org_by_key[directory.normalize_dn(ldap_ou)] = pk
                self.org_by_key.setdefault(ldap_ou.strip().lower(), pk)
            if settings.LDAP_ATTR_EMPLOYER:
                self.org_by_key.setdefault(name.lower(), pk)
                if insee_code:
                    self.org_by_key.setdefault(insee_code.lower(), pk)

    def org_for_parts(self, parts) -> int | None:
        """The employer mapped to the nearest OU of a split DN (Organisation.ldap_ou: an OU DN or name)."""
        if not self.org_by_key:
            return None
        for i in range(len(parts)):
            found = self.org_by_key.get(directory.dn_key(parts[i:])) or self.org_by_key.get(
                parts[i][0][1].lower()
            )
            if found:
                return found
        return None

    def employer_for(self, entry: dict) -> int | None:
        if self.employer_attribute:
            found = self.org_by_key.get(entry["employer"].strip().lower())
        else:
            parent = entry["parent"]
            if parent not in self.employer_cache:
                self.employer_cache[parent] = self.org_for_parts(directory.split_dn(entry["dn"])[1:])
            found = self.employer_cache[parent]
        return found or self.host_id

    # --- Departments ----------------------------------------------------------------------------------------

    def department_chain(self, entry: dict) -> list[tuple[str, str]]:
        """(key, DN) of the entry's departments from the top down: OUs between the user base and the entry,
        or the single department named by the attribute."""
        if self.department_from_attribute:
            value = entry["department"].strip()
            if not value:
                return []
            dn = f"{settings.LDAP_ATTR_DEPARTMENT}={ldap.dn.escape_dn_chars(value)}"
            return [(directory.normalize_dn(dn), dn)]
        parent = entry["parent"]
        if parent not in self.chain_cache:
            parts, chain = directory.split_dn(entry["dn"]), []
            for i in range(1, len(parts)):
                key = directory.dn_key(parts[i:])
                if key == self.base or not key.endswith("\x1f" + self.base):
                    break
                chain.append((key, ldap.dn.dn2str(parts[i:])))
            self.chain_cache[parent] = list(reversed(chain))
        return self.chain_cache[parent]

    def sync_departments(self):
        self.department_groups = {pk: group_id for pk, _dn, group_id in self.department_rows}
        existing = {
            directory.normalize_dn(dn): pk for pk, dn, _group_id in self.department_rows if dn is not None
        }
        wanted: dict[str, tuple[str, str | None]] = {}  # key -> (dn, parent key)
        # The chain depends only on the entry's parent DN (or its department attribute): walked once for each.
        source = "department" if self.department_from_attribute else "parent"
        department_key_of: dict[str, str | None] = {}
        for entry in self.entries:
            value = entry[source]
            if value in department_key_of:
                entry["department_key"] = department_key_of[value]
                continue
            chain = self.department_chain(entry)
            entry["department_key"] = department_key_of[value] = chain[-1][0] if chain else None
            parent = None
            for key, dn in chain:
                wanted.setdefault(key, (dn, parent))
                parent = key
        missing = [k for k in wanted if k not in existing]
        self.department_ids = dict(existing)
        if not missing:
            return
        if self.host_id is None:
            self.report.problems.append(
                "Aucun organisme n'existe : créez l'organisme hôte dans l'administration, puis relancez ; "
                "les services de l'annuaire ne sont pas créés."
            )
            return
        self.report.departments_created = len(missing)
        slugs = set(Department.objects.values_list("slug", flat=True))
        by_depth = defaultdict(list)
        for key in missing:
            by_depth[key.count(",")].append(key)
        for depth in sorted(by_depth):
            departments = []
            for key in by_depth[depth]:
                dn, parent_key = wanted[key]
                name = directory.rdn_value(dn)[:200]
                slug = base_slug = slugify(name)[:70] or "service"
                n = 1
                while slug in slugs:
                    n += 1
                    slug = f"{base_slug}-{n}"
                slugs.add(slug)
                department = Department(
                    name=name,
                    slug=slug,
                    kind=DepartmentKind.SERVICE if parent_key else DepartmentKind.DIRECTION,
                    parent_id=self.department_ids.get(parent_key) if parent_key else None,
                    organisation_id=self.org_for_parts(directory.split_dn(dn)) or self.host_id,
                    ldap_dn=dn,
                )
                department.group = Group(name=_group_name(department))
                departments.append((key, department))
                self.report.details.append(f"Service créé : {name} ({dn})")
            if self.dry:
                for key, _department in departments:
                    self.department_ids[key] = self.placeholder()
                continue
            Group.objects.bulk_create([d.group for _k, d in departments], batch_size=BATCH)
            for _key, department in departments:
                department.group_id = department.group.pk
            Department.objects.bulk_create([d for _k, d in departments], batch_size=BATCH)
            for key, department in departments:
                self.department_ids[key] = department.pk
                self.department_groups[department.pk] = department.group_id

    # --- Users ----------------------------------------------------------------------------------------------

    def sync_users(self):
        report = self.report
        rows = self.user_rows
        by_guid = {r[R_GUID]: r for r in rows if r[R_GUID]}
        normalize = directory.normalize_dn
        # Built on first need: a run where every entry is found by its GUID and keeps its name needs neither.
        lazy: dict[str, Any] = {}

        def by_dn() -> dict:
            if "by_dn" not in lazy:
                lazy["by_dn"] = {normalize(r[R_DN]): r for r in rows}
            return lazy["by_dn"]

        def taken() -> set:
            if "taken" not in lazy:
                lazy["taken"] = {r[R_USERNAME].lower() for r in rows}
                lazy["taken"].update(name.lower() for name in self.local_usernames)
            return lazy["taken"]

        self.existing = rows
        self.matched: dict[int, dict] = {}  # user pk -> entry
        pairs: list[tuple[tuple, dict]] = []
        new: list[tuple[User, dict]] = []
        self.drop_shared_registration_numbers()
        for entry in self.entries:
            row = by_guid.get(entry["guid"]) if entry["guid"] else None
            if row is None:
                candidate = by_dn().get(entry["key"])
                if candidate is not None and (not candidate[R_GUID] or not entry["guid"]):
                    row = candidate
            if row is not None:
                if row[R_PK] not in self.matched:
                    self.matched[row[R_PK]] = entry
                    pairs.append((row, entry))
                continue
            if not entry["username"] or not entry["guid"]:
                report.warnings.append(f"{entry['dn']} : sans identifiant ni nom de connexion, non créé.")
                continue
            if entry["username"] in taken():
                report.warnings.append(
                    f"{entry['dn']} : le nom « {entry['username']} » appartient déjà à un autre compte "
                    "(compte local ou ancienne entrée), non créé."
                )
                continue
            taken().add(entry["username"])
            fields = self.desired(entry, None)
            fields["is_active"] = not entry["disabled"]
            new.append((fields, entry))
        report.created = len(new)
        report.details.extend(f"Agent créé : {f['username']} ({e['dn']})" for f, e in new)
        # Ids first (allocated, or placeholders in a dry run), so that managers — DNs — resolve before the
        # single insert: no second pass over the new rows.
        ids = [self.placeholder() for _ in new] if self.dry else allocate_ids(User, len(new))
        for (fields, entry), pk in zip(new, ids, strict=True):
            fields["id"] = pk
            self.matched[pk] = entry
        self.pk_by_key = {entry["key"]: pk for pk, entry in self.matched.items()}
        self.pk_by_username = {entry["username"]: pk for pk, entry in self.matched.items()}
        # Unusable like make_password(None) ("!" + 40 random characters), a hundred times cheaper; the random
        # bytes for every new agent read in one call.
        noise = secrets.token_hex(20 * len(new))
        for i, (fields, entry) in enumerate(new):
            fields["manager_id"] = self.manager_for(entry, fields["id"])
            fields["ldap_hash"] = self.digest(entry, fields)
            fields["password"] = UNUSABLE_PASSWORD_PREFIX + noise[40 * i : 40 * i + 40]
            fields["ldap_synced_at"] = self.now
            fields["date_joined"] = self.now
        if not self.dry and new:
            insert_users(*model_columns(User, [fields for fields, _e in new]))
        changed, rehashed, compared = [], [], []
        department_ids, manager_for, digest_of = self.department_ids, self.manager_for, self.entry_digest
        for row, entry in pairs:
            pk = row[R_PK]
            manager_id = manager_for(entry, pk)
            digest = digest_of(entry, department_ids.get(entry["department_key"]), manager_id)
            if digest == row[R_HASH] and (row[R_ACTIVE] or entry["disabled"] or row[R_SUSPENDED] is not None):
                # What the last write stored, and the row has not been saved since: nothing to compare.
                report.unchanged += 1
                continue
            compared.append((pk, entry, manager_id, digest))
        full_rows = _full_rows([pk for pk, *_rest in compared]) if compared else {}
        for pk, entry, manager_id, digest in compared:
            if pk not in full_rows:
                continue  # deleted since the state was read: nothing to update
            row = _row_dict(full_rows[pk], FULL_ROW_NAMES)
            if entry["username"] != row["username"] and entry["username"] in taken():
                report.warnings.append(
                    f"{entry['dn']} : le nom « {entry['username']} » est déjà pris, l'ancien est gardé."
                )
                entry = {**entry, "username": row["username"], "digest_head": None}
                digest = ""  # compared field by field (and warned about) on every run until resolved
            desired = self.desired(entry, row)
            desired["manager_id"] = manager_id
            if not row["is_active"] and not entry["disabled"] and row["suspended_at"] is None:
                desired["is_active"] = True  # back in the directory and enabled: a normal update
                report.reactivated += 1
            diff = [f for f in USER_FIELDS if desired[f] != row[f]]
            if not diff:
                report.unchanged += 1
                if digest != row["ldap_hash"]:
                    rehashed.append((pk, [digest]))  # the same values; only the digest was missing or old
                continue
            taken().discard(row["username"].lower())
            taken().add(desired["username"])
            changed.append((pk, [desired[f] for f in USER_FIELDS] + [self.now, digest]))
            report.updated += 1
            report.details.append(f"Agent mis à jour : {desired['username']} ({', '.join(diff)})")
        if not self.dry:
            bulk_update_values(User, [*USER_FIELDS, "ldap_synced_at", "ldap_hash"], changed)
            bulk_update_values(User, ["ldap_hash"], rehashed)

    def digest(self, entry: dict, fields: dict) -> str:
        return self.entry_digest(entry, fields["department_id"], fields["manager_id"])

    def entry_digest(self, entry: dict, department_id, manager_id) -> str:
        """A digest of what the directory says about one agent, as the sync maps it: the entry's mapped
        values and the rows they point to (department, employer, manager). Stored on the row when the sync
        writes it (User.ldap_hash); the same digest on the next run means the same values to write."""
        head = entry.get("digest_head") or _digest_head(entry)
        digest = head.copy()
        employer_id = self.employer_for(entry)
        disabled = "1" if entry["disabled"] else "0"
        digest.update(f"{department_id}\x1f{employer_id}\x1f{manager_id}\x1f{disabled}".encode())
        return digest.hexdigest()

    def desired(self, entry: dict, row: dict | None) -> dict:
        """The directory-owned fields of one agent, as they should be after this run (manager aside)."""
        return {
            "username": entry["username"] or row["username"],
            "first_name": entry["first_name"],
            "last_name": entry["last_name"],
            "email": entry["email"],
            "phone": entry["phone"],
            "mobile": entry["mobile"],
            "job_title": entry["job_title"],
            # The directory's number when the entry carries one; else the one set in the admin stays.
            "registration_number": entry["registration_number"]
            or (row["registration_number"] if row else None),
            "department_id": self.department_ids.get(entry["department_key"]),
            "employer_id": self.employer_for(entry),
            "manager_id": None,
            "ldap_dn": entry["dn"],
            "ldap_guid": entry["guid"] or (row["ldap_guid"] if row else None),
            "is_active": row["is_active"] if row else not entry["disabled"],
        }

    def drop_shared_registration_numbers(self) -> None:
        """A registration number two entries carry names nobody: both keep their stored one, with a warning
        (a payslip must never reach the wrong agent; the column is unique)."""
        seen: dict[str, int] = {}
        for entry in self.entries:
            if entry["registration_number"]:
                seen[entry["registration_number"]] = seen.get(entry["registration_number"], 0) + 1
        for entry in self.entries:
            if seen.get(entry["registration_number"], 0) > 1:
                self.report.warnings.append(
                    f"{entry['dn']} : matricule « {entry['registration_number']} » porté par plusieurs "
                    "entrées, ignoré."
                )
                entry["registration_number"] = ""
                entry["digest_head"] = None

    def manager_for(self, entry: dict, pk: int) -> int | None:
        if not entry["manager_dn"]:
            return None
        key = entry.get("manager_key") or directory.normalize_dn(entry["manager_dn"])
        manager_id = self.pk_by_key.get(key)
        if manager_id is None:
            self.report.warnings.append(f"{entry['dn']} : responsable introuvable ({entry['manager_dn']}).")
        return manager_id if manager_id != pk else None

    # --- Directory groups -----------------------------------------------------------------------------------

    def sync_groups(self):
        report = self.report
        existing = self.directory_groups
        by_guid = {g.ldap_guid: g for g in existing if g.ldap_guid}
        by_dn = {directory.normalize_dn(g.ldap_dn): g for g in existing}
        names = self.group_names
        self.group_members: dict[int, list[str]] = {}
        self.group_ids = {g.group_id for g in existing}
        new, moved, renamed = [], [], []
        for data in self.groups_result.entries:
            dn = data["dn"]
            key = directory.normalize_dn(dn)
            found = by_guid.get(data["guid"]) if data["guid"] else None
            found = found or by_dn.get(key)
            if found is not None:
                if found.ldap_dn != dn or (data["guid"] and found.ldap_guid != data["guid"]):
                    found.ldap_dn, found.ldap_guid = dn, data["guid"] or found.ldap_guid
                    moved.append(found)
                name = self.unique_name(data["name"], dn, names - {found.group.name})
                if name != found.group.name:
                    names.discard(found.group.name)
                    names.add(name)
                    found.group.name = name
                    renamed.append(found)
                self.group_members[found.group_id] = data["members"]
                continue
            name = self.unique_name(data["name"], dn, names)
            names.add(name)
            new.append((DirectoryGroup(ldap_dn=dn, ldap_guid=data["guid"] or None), Group(name=name), data))
            report.details.append(f"Groupe créé : {name} ({dn})")
        report.groups_created = len(new)
        report.groups_updated = len({g.pk for g in moved} | {g.pk for g in renamed})
        if self.dry:
            for _dg, group, data in new:
                group.pk = self.placeholder()
                self.group_members[group.pk] = data["members"]
                self.group_ids.add(group.pk)
            return
        if new:
            Group.objects.bulk_create([g for _dg, g, _d in new], batch_size=BATCH)
            for dgroup, group, data in new:
                dgroup.group_id = group.pk
                self.group_members[group.pk] = data["members"]
                self.group_ids.add(group.pk)
            DirectoryGroup.objects.bulk_create([dg for dg, _g, _d in new], batch_size=BATCH)
        if moved:
            DirectoryGroup.objects.bulk_update(moved, ["ldap_dn", "ldap_guid"], batch_size=BATCH)
        if renamed:
            Group.objects.bulk_update([g.group for g in renamed], ["name"], batch_size=BATCH)

    @staticmethod
    def unique_name(name: str, dn: str, names: set[str]) -> str:
        """Group.name is unique: a cn seen in two OUs gets its OU appended."""
        name = name[:150]
        if name not in names:
            return name
        parents = directory.dn_parents(dn)
        candidate = f"{name} ({directory.rdn_value(parents[0])})"[:150] if parents else name
        n = 1
        while candidate in names:
            n += 1
            candidate = f"{name} ({n})"[:150]
        return candidate

    # --- Memberships ----------------------------------------------------------------------------------------

    def sync_memberships(self):
        """Department groups follow the department (department_member_sync semantics); directory groups
        follow their member lists. Only agents present in this run are compared; local accounts never."""
        report = self.report
        through = User.groups.through
        department_groups = self.department_groups
        present = set(self.matched)
        # Each department key's group looked up once, then one set built at C speed over the agents.
        group_of_key = {
            key: department_groups[department_id]
            for key, department_id in self.department_ids.items()
            if department_id in department_groups
        }
        wanted = {
            (pk, group_id)
            for pk, entry in self.matched.items()
            if (group_id := group_of_key.get(entry["department_key"])) is not None
        }
        posix = settings.LDAP_ATTR_GROUP_MEMBER.lower() == "memberuid"
        # Member values are mostly the members' DNs spelled exactly as their entries: found by the string
        # itself first, normalised only when spelled otherwise (case, spaces, escapes).
        by_dn = {entry["dn"]: pk for pk, entry in self.matched.items()}
        by_key, normalize = self.pk_by_key, directory.normalize_dn
        by_username = self.pk_by_username
        for group_id, members in self.group_members.items():
            if posix:
                found = [by_username.get(member.strip().lower()) for member in members]
            else:
                found = list(map(by_dn.get, members))
                if None in found:
                    found = [
                        by_key.get(normalize(member)) if pk is None else pk
                        for member, pk in zip(members, found, strict=True)
                    ]
            wanted.update([(pk, group_id) for pk in found if pk is not None])
        managed = set(department_groups.values()) | self.group_ids
        existing = {pair for pair in self.membership_pairs if pair[0] in present and pair[1] in managed}
        add = wanted - existing
        remove = existing - wanted
        if not self.groups_result.complete:
            # A partial group search must not strip memberships it did not see.
            remove = {pair for pair in remove if pair[1] not in self.group_ids}
        report.memberships_added, report.memberships_removed = len(add), len(remove)
        if self.dry:
            return
        if add:
            insert_values(through, ["user_id", "group_id"], sorted(add))
        by_group = defaultdict(list)
        for user_id, group_id in remove:
            by_group[group_id].append(user_id)
        for group_id, user_ids in by_group.items():
            through.objects.filter(group_id=group_id, user_id__in=user_ids).delete()
            # The bulk delete sends no signal: say it as `group.user_set.remove(...)` would, so apps whose
            # rights follow groups react inside this transaction (the GED drops lost co-editors).
            m2m_changed.send(
                sender=through,
                instance=Group(pk=group_id),
                action="post_remove",
                reverse=True,
                model=User,
                pk_set=set(user_ids),
                using=through.objects.db,
            )

    # --- Leavers --------------------------------------------------------------------------------------------

    def handle_leavers(self):
        report = self.report
        if not self.users_result.complete:
            report.leavers_skipped = "recherche incomplète"
            report.problems.append(
                "Départs non traités : la recherche des agents est incomplète, personne n'est désactivé."
            )
            return
        matched = self.matched
        active = [r for r in self.existing if r[R_ACTIVE]]
        absent = [_row_dict(r) for r in active if r[R_PK] not in matched]
        disabled = [_row_dict(r) for r in active if r[R_PK] in matched and matched[r[R_PK]]["disabled"]]
        leavers = absent + disabled
        report.leavers = [r["username"] for r in leavers]
        if not leavers:
            return
        ratio = len(leavers) / max(len(active), 1)
        if ratio > settings.LDAP_MAX_LEAVER_RATIO:
            report.leavers_skipped = "seuil de départs dépassé"
            report.problems.append(
                f"Départs non traités : {len(leavers)} comptes sur {len(active)} actifs ({ratio:.1%}) "
                f"seraient désactivés, au-delà du seuil LDAP_MAX_LEAVER_RATIO "
                f"({settings.LDAP_MAX_LEAVER_RATIO:.1%}). Vérifiez LDAP_USER_BASE et LDAP_USER_FILTER ; "
                "si ces départs sont réels, relevez le seuil le temps d'une exécution."
            )
            return
        report.details.extend(f"Départ : {r['username']} (absent de l'annuaire)" for r in absent)
        report.details.extend(f"Départ : {r['username']} (désactivé dans l'annuaire)" for r in disabled)
        report.deactivated = len(leavers)
        if self.dry:
            return
        for reason, group in (("ldap_absent", absent), ("ldap_disabled", disabled)):
            if group:
                users_deactivate(users=User.objects.filter(pk__in=[r["pk"] for r in group]), reason=reason)
