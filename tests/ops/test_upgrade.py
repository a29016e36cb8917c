"""The upgrade procedure of docs/operations.md with workers running: migrations first, then the workers
restarted one at a time, no request failing on the way (PostgreSQL: several processes on one database).

"The previous release" is the code of a git commit, extracted with `git archive` (the repository is not
touched): `UPGRADE_FROM` if set, else the newest `v*` tag, else (no release is tagged yet) the parent of the
newest commit that added a migration, so that at least that migration — and any added since, committed or
not — is applied under the old code. The database is a copy of the test database (already at the current
state, with the test's rows), migrated back to the old commit's migration state by the current code: a
fresh `migrate` of the whole project takes minutes.

Then: two uvicorn workers run the OLD code on that database; a client thread logs in and keeps reading (home,
spaces, a folder, the directory search) and writing (a new folder) through them; `manage.py migrate` of the
current code runs meanwhile; the old workers keep serving on the new schema; each is then replaced by a
worker of the current code, one at a time (the client goes to the other one meanwhile, as nginx's
`proxy_next_upstream` does); the new workers serve. No request may answer 5xx or fail on both workers.

The static half: the migrations that are new since that commit may not drop or rename a table or column,
nor add a NOT NULL column the old code does not fill (no `db_default`)."""

import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection
from django.db import migrations as ops
from django.db.migrations.loader import MigrationLoader
from django.db.models.fields import NOT_PROVIDED as _NOT_PROVIDED

needs_postgresql = pytest.mark.skipif(
    "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="the workers and migrate run as separate processes on one database: PostgreSQL only",
)

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-upgrade-test-123456"


# --- which commit is the previous release, and which migrations are new since ---------------------------


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def _full_history() -> None:
    """A shallow clone (CI may make one) lacks the previous release: deepen it from its origin first."""
    if _git("rev-parse", "--is-shallow-repository") == "true":
        subprocess.run(["git", "fetch", "--quiet", "--unshallow"], cwd=ROOT, capture_output=True, check=False)
        if _git("rev-parse", "--is-shallow-repository") == "true":
            pytest.fail("Clone superficielle sans origine joignable : l'ancienne version est introuvable.")


def previous_release() -> str:
    _full_history()
    if os.environ.get("UPGRADE_FROM"):
        return _git("rev-parse", "--verify", os.environ["UPGRADE_FROM"] + "^{commit}")
    try:
        return _git("rev-parse", _git("describe", "--tags", "--abbrev=0", "--match", "v*") + "^{commit}")
    except subprocess.CalledProcessError:
        pass
    newest = _git("log", "-1", "--diff-filter=A", "--format=%H", "--", "*/migrations/0*.py")
    return _git("rev-parse", newest + "^")


def _old_migration_files(commit: str) -> set[str]:
    names = _git("ls-tree", "-r", "--name-only", commit).splitlines()
    return {n for n in names if re.search(r"/migrations/\d{4}_\w+\.py$", n)}


def _project_migrations() -> dict[tuple[str, str], str]:
    """(app_label, name) -> file path in the repository, for the project's own migrations (not its
    dependencies')."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = {}
    for key, migration in loader.disk_migrations.items():
        path = Path(sys.modules[migration.__module__].__file__).resolve()
        if path.is_relative_to(ROOT) and ".venv" not in path.relative_to(ROOT).parts:
            found[key] = str(path.relative_to(ROOT))
    return found


def new_migrations(commit: str) -> list[tuple[str, str]]:
    """(app_label, name) of the project's migrations on disk that the commit does not have, in plan order."""
    old = _old_migration_files(commit)
    loader = MigrationLoader(None, ignore_no_migrations=True)
    new = [key for key, path in _project_migrations().items() if path not in old]
    order = {key: i for i, key in enumerate(_full_plan(loader))}
    return sorted(new, key=order.__getitem__)


def _full_plan(loader) -> list[tuple[str, str]]:
    plan = []
    for leaf in loader.graph.leaf_nodes():
        for key in loader.graph.forwards_plan(leaf):
            if key not in plan:
                plan.append(key)
    return plan


# --- the static check --------------------------------------------------------------------------------------

_DROPS = (ops.RemoveField, ops.RenameField, ops.RenameModel, ops.AlterModelTable)
_SQL_BREAKING = re.compile(r"\b(DROP\s+(TABLE|COLUMN)|RENAME\s+(TO|COLUMN))\b", re.IGNORECASE)


def incompatible_operations(migrations) -> list[str]:
    """What in these migrations the previous release's code could trip on: a table or column dropped or
    renamed (it still reads it), a NOT NULL column added or made NOT NULL without a database default (its
    INSERTs do not fill it), raw SQL that drops or renames. Models created in the same migrations are new:
    the old code never reads them."""
    created = {
        (m.app_label, op.name_lower)
        for m in migrations
        for op in m.operations
        if isinstance(op, ops.CreateModel)
    }
    problems = []
    for m in migrations:
        where = f"{m.app_label}.{m.name}"
        for op in m.operations:
            model = (m.app_label, getattr(op, "model_name", "") or getattr(op, "name_lower", ""))
            dropped = isinstance(op, ops.DeleteModel) and model not in created
            if dropped or isinstance(
                op, (ops.RemoveField, ops.RenameField, ops.RenameModel, ops.AlterModelTable)
            ):
                problems.append(f"{where}: {op.describe()} (the previous release still uses it)")
            elif isinstance(op, (ops.AddField, ops.AlterField)) and model not in created:
                field = op.field
                if field.many_to_many or field.null or field.db_default is not _NOT_PROVIDED:
                    continue
                if isinstance(op, ops.AlterField) and not _was_nullable(m, op):
                    continue
                problems.append(
                    f"{where}: {op.describe()} is NOT NULL without db_default (the previous release's "
                    "INSERTs leave it out)"
                )
            elif isinstance(op, ops.RunSQL):
                sql = " ".join(str(s) for s in (op.sql if isinstance(op.sql, (list, tuple)) else [op.sql]))
                if _SQL_BREAKING.search(sql):
                    problems.append(f"{where}: RunSQL drops or renames: {sql[:120]!r}")
    return problems


def _was_nullable(migration, op) -> bool:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    state = loader.project_state((migration.app_label, migration.name), at_end=False)
    model = state.models[(migration.app_label, op.model_name_lower)]
    return model.fields[op.name].null


def test_migrations_since_the_previous_release_are_compatible_with_its_code():
    commit = previous_release()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    pending = [loader.disk_migrations[key] for key in new_migrations(commit)]
    assert pending, f"no migration is new since {commit[:10]}: nothing to check"
    assert incompatible_operations(pending) == []


def test_the_static_check_finds_what_breaks_the_previous_release():
    from django.db import models

    class Migration(ops.Migration):
        operations = [
            ops.RemoveField("document", "title"),
            ops.RenameField("folder", "name", "label"),
            ops.AddField("document", "kind", models.CharField(max_length=5, default="x")),
            ops.AddField("document", "note", models.CharField(max_length=5, null=True)),
            ops.AddField("document", "rank", models.IntegerField(db_default=0)),
            ops.CreateModel("fresh", [("id", models.AutoField(primary_key=True))]),
            ops.AddField("fresh", "size", models.IntegerField()),
            ops.RunSQL("ALTER TABLE ged_document DROP COLUMN title", reverse_sql=""),
            ops.RunSQL("CREATE INDEX x ON ged_document (title)", reverse_sql=""),
        ]

    found = incompatible_operations([Migration("9999_breaking", "ged")])
    assert len(found) == 4, found
    assert [line.split(":")[1].split()[0] for line in found] == ["Remove", "Rename", "Add", "RunSQL"]


# --- the live procedure ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _url(db_name: str) -> str:
    d = connection.settings_dict
    return f"postgres://{d['USER'] or 'postgres'}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{db_name}"


class Worker:
    def __init__(self, code: Path, env: dict, log: Path):
        self.code, self.env, self.log = code, env, log
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.up = False
        self.proc = None

    def start(self, wait=True):
        cmd = [sys.executable, "-m", "uvicorn", "intranet.asgi:application", "--port", str(self.port)]
        cmd += ["--lifespan", "off", "--log-level", "warning"]
        # The old code's modules come first on the path, before the editable install of the current ones.
        env = dict(self.env, PYTHONPATH=str(self.code))
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(cmd, cwd=self.code, env=env, stdout=out, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()

    def wait_ready(self):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                # The first request of a process imports the views: seconds on a loaded machine.
                if requests.get(self.url + "/healthz", timeout=30).status_code == 200:
                    self.up = True
                    return
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or busy
                pass
            time.sleep(0.2)
        raise AssertionError(f"worker on {self.port} did not start: {self.log.read_text()[-3000:]}")

    def stop(self):
        self.up = False
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Client(threading.Thread):
    """Logs in on each worker's session (one session row, shared), then loops: reads and a write, each
    request to the next worker that is up, retried on the other on a refused connection (nginx's
    proxy_next_upstream). Records (phase, what, status) for every request."""

    def __init__(self, workers, username, folder_pk):
        super().__init__(daemon=True)
        self.workers, self.username, self.folder_pk = workers, username, folder_pk
        self.phase = "old code, old schema"
        self.results: list[tuple[str, str, int | str]] = []
        self.stopping = threading.Event()
        self.session = requests.Session()
        self.session.trust_env = False
        self._next = 0
        self.error = None

    def _send(self, method, path, **kw):
        for _ in range(2 * len(self.workers)):
            worker = self.workers[self._next % len(self.workers)]
            self._next += 1
            if not worker.up:
                continue
            try:
                return self.session.request(
                    method, worker.url + path, timeout=30, allow_redirects=False, **kw
                )
            except requests.ConnectionError:
                continue
        return None

    def request(self, what, method, path, **kw):
        response = self._send(method, path, **kw)
        status = response.status_code if response is not None else "no worker answered"
        self.results.append((self.phase, what, status))
        return response

    def login(self):
        page = self.request("login page", "GET", "/connexion/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = self.request(
            "login",
            "POST",
            "/connexion/",
            data={"csrfmiddlewaretoken": token, "username": self.username, "password": PASSWORD},
        )
        assert response.status_code == 302, (response.status_code, response.text[:500])

    def run(self):
        try:
            self.login()
            n = 0
            while not self.stopping.is_set():
                n += 1
                self.request("search", "GET", "/recherche/", params={"q": "dupont"})
                self.request("spaces", "GET", "/documents/")
                self.request("folder", "GET", f"/documents/dossier/{self.folder_pk}/")
                self.request("directory search", "GET", "/annuaire/", params={"q": "dupont"})
                self.request(
                    "new folder",
                    "POST",
                    f"/documents/dossier/{self.folder_pk}/nouveau-dossier/",
                    data={"name": f"Dossier {uuid.uuid4().hex[:8]}"},
                    headers={"X-CSRFToken": self.session.cookies.get("csrftoken", "")},
                )
        except Exception as exc:  # noqa: BLE001  (reported by the test)
            self.error = exc

    def wait_for(self, phase, rounds=2, timeout=60):
        """Until the write has run `rounds` times in this phase."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.is_alive(), self.error
            if sum(1 for p, w, _ in self.results if p == phase and w == "new folder") >= rounds:
                return
            time.sleep(0.1)
        raise AssertionError(f"the client made no progress in phase {phase!r}")


def _copy_database(source: str, target: str):
    connection.close()
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        for _ in range(50):
            try:
                admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
                return
            except psycopg.errors.ObjectInUse:
                time.sleep(0.1)  # a connection of this process still closing
        raise AssertionError(f"{source} stays in use: cannot copy it")


def _drop_database(name: str):
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(code: Path, env: dict, *args: str, timeout=120) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=code,
        env=dict(env, PYTHONPATH=str(code)),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


def _revert_targets(commit: str, pending: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`migrate <app> <target>` for each app with new migrations: the newest migration of that app the
    commit has, or zero."""
    old = _old_migration_files(commit)
    ours = _project_migrations()
    targets = []
    for app in dict.fromkeys(app for app, _ in pending):
        kept = [name for (label, name), path in ours.items() if label == app and path in old]
        targets.append((app, max(kept) if kept else "zero"))
    return targets


@needs_postgresql
def test_upgrade_with_workers_running(transactional_db, make_user, tmp_path):
    from ged.actions import space_create

    commit = previous_release()
    pending = new_migrations(commit)
    assert pending, f"no migration is new since {commit[:10]}: the upgrade would prove nothing"

    user = make_user("marie.dupont", first_name="Marie", last_name="Dupont")
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    space = space_create(name="Mise à jour", slug="mise-a-jour", creator=user)

    old_code = tmp_path / "old"
    old_code.mkdir()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(old_code)], input=archive, check=True)

    timings = [("start", time.monotonic())]
    # The old tree's packages shadow the editable install of the current ones (PYTHONPATH comes first).
    where = subprocess.run(
        [sys.executable, "-c", "import ged, intranet; print(ged.__file__, intranet.__file__)"],
        cwd=old_code,
        env=dict(os.environ, PYTHONPATH=str(old_code)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(Path(p).is_relative_to(old_code) for p in where), where
    db_name = f"{connection.settings_dict['NAME']}_upgrade_{uuid.uuid4().hex[:6]}"
    _copy_database(connection.settings_dict["NAME"], db_name)
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "PYTHONPATH", "UPGRADE_FROM"}}
    env.update(
        DJANGO_SETTINGS_MODULE="intranet.settings.test",
        DATABASE_URL=_url(db_name),
        PYTHONUNBUFFERED="1",
        MEDIA_ROOT=str(tmp_path / "media"),
        GED_STORAGE_ROOT=str(tmp_path / "media" / "ged"),
    )
    workers = []
    try:
        for app, target in _revert_targets(commit, pending):
            _manage(ROOT, env, "migrate", app, target, "--noinput")
        # The database is in the old commit's migration state: every migration file of ours it has is
        # applied, none of the new ones.
        with psycopg.connect(_url(db_name)) as conn:
            applied = set(conn.execute("SELECT app, name FROM django_migrations").fetchall())
        ours = _project_migrations()
        old_files = _old_migration_files(commit)
        assert {key for key, path in ours.items() if path in old_files} <= applied
        assert applied.isdisjoint(pending)
        timings.append(("copy and revert", time.monotonic()))

        workers = [Worker(old_code, env, tmp_path / f"worker-{i}.log") for i in (1, 2)]
        for worker in workers:
            worker.start(wait=False)  # both boot at once
        for worker in workers:
            worker.wait_ready()
        timings.append(("old workers up", time.monotonic()))
        client = Client(workers, user.username, space.root_id)
        client.start()
        client.wait_for("old code, old schema", rounds=1)
        timings.append(("old code, old schema", time.monotonic()))

        client.phase = "old code, during migrate"
        applied = _manage(ROOT, env, "migrate", "--noinput")
        for app, name in pending:
            assert f"Applying {app}.{name}" in applied, applied
        timings.append(("migrate", time.monotonic()))
        client.phase = "old code, new schema"
        client.wait_for("old code, new schema")
        timings.append(("old code, new schema", time.monotonic()))

        # One at a time, as in docs/operations.md step 5.
        for i, worker in enumerate(workers):
            client.phase = f"restarting worker {i + 1}"
            worker.stop()
            workers[i] = Worker(ROOT, env, tmp_path / f"worker-{i + 1}-new.log")
            workers[i].start()
        timings.append(("restarts", time.monotonic()))
        client.phase = "new code, new schema"
        client.wait_for("new code, new schema")
        timings.append(("new code, new schema", time.monotonic()))
        client.stopping.set()
        client.join(timeout=60)
        assert client.error is None, client.error

        failed = [r for r in client.results if not isinstance(r[2], int) or r[2] >= 500]
        assert failed == [], failed
        # Every phase ran every kind of request, the write answering its redirect each time.
        phases = {p for p, _, _ in client.results}
        for phase in ("old code, old schema", "old code, new schema", "new code, new schema"):
            assert phase in phases
            kinds = {w: s for p, w, s in client.results if p == phase}
            assert set(kinds) >= {"search", "spaces", "folder", "directory search", "new folder"}, kinds
        unexpected = [r for r in client.results if r[1] != "new folder" and r[2] not in (200, 302)]
        assert unexpected == [], unexpected
        assert {s for _, w, s in client.results if w == "new folder"} == {302}
        with psycopg.connect(_url(db_name)) as conn:
            made = conn.execute("SELECT count(*) FROM ged_folder WHERE name LIKE 'Dossier %%'").fetchone()[0]
        assert made == sum(1 for _, w, _ in client.results if w == "new folder")
    finally:
        for worker in workers:
            worker.stop()
        _drop_database(db_name)
        steps = [f"{what} {end - start:.1f}s" for (_, start), (what, end) in itertools.pairwise(timings)]
        print(f"upgrade from {commit[:10]}, new migrations {pending}: " + ", ".join(steps))
        shutil.rmtree(old_code, ignore_errors=True)
