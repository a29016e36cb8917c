"""A real Synapse homeserver for the bridge tests: installed from PyPI (with its OIDC extra) into its own
virtualenv on first use (`var/synapse-venv`, reused afterwards), configured on loopback with SQLite, started
once per test session.

Nothing is skipped: if the install or the start fails, the tests that need it fail with the reason.
"""

import base64
import fcntl
import hashlib
import hmac
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
SYNAPSE_VERSION = "1.163.2"
VENV = Path(os.environ.get("SYNAPSE_VENV") or ROOT / "var" / "synapse-venv")
SERVER_NAME = "intranet.test"

RELAXED = {"per_second": 1000, "burst_count": 1000}


def _python() -> Path:
    return VENV / "bin" / "python"


def ensure_installed() -> Path:
    """Install matrix-synapse into its own venv (about 30 s the first time); a file lock serialises runs."""
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / ".synapse-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # The version, then whether the OIDC extra (authlib) is there: a venv made before it was needed only
        # gets the extra added, with no reinstall.
        check = [
            str(_python()),
            "-c",
            "import importlib.metadata as m, importlib.util as u, sys; "
            "sys.stdout.write(m.version('matrix-synapse') + ' ' + str(bool(u.find_spec('authlib'))))",
        ]
        fresh = True
        if _python().exists():
            done = subprocess.run(check, capture_output=True, text=True)
            version, _, has_oidc = done.stdout.strip().partition(" ")
            if done.returncode == 0 and version == SYNAPSE_VERSION:
                if has_oidc == "True":
                    return _python()
                fresh = False
            else:
                shutil.rmtree(VENV, ignore_errors=True)
        if fresh:
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True)
        install = subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "--quiet", f"matrix-synapse[oidc]=={SYNAPSE_VERSION}"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if install.returncode != 0:
            if fresh:
                shutil.rmtree(VENV, ignore_errors=True)
            raise RuntimeError(f"Installation de Synapse impossible :\n{install.stdout}\n{install.stderr}")
        return _python()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _yaml(value, indent=0) -> str:
    """Just enough YAML for homeserver.yaml (JSON is valid YAML; keep it readable anyway)."""
    import json

    return json.dumps(value, indent=2)


class Synapse:
    def __init__(self, *, rc_message: dict | None = None, extra_config: dict | None = None):
        """`extra_config`: more homeserver.yaml keys (e.g. `oidc_providers`), added to or replacing ours."""
        self.python = ensure_installed()
        self.dir = Path(tempfile.mkdtemp(prefix="synapse-test-"))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.shared_secret = secrets.token_hex(16)
        self.server_name = SERVER_NAME
        config = {
            "server_name": SERVER_NAME,
            "public_baseurl": f"{self.url}/",
            "pid_file": str(self.dir / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(self.dir / "homeserver.db")}},
            "media_store_path": str(self.dir / "media"),
            "signing_key_path": str(self.dir / "signing.key"),
            "log_config": str(self.dir / "log.yaml"),
            "report_stats": False,
            "registration_shared_secret": self.shared_secret,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "enable_registration": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "bcrypt_rounds": 4,
            "rc_message": rc_message or RELAXED,
            "rc_registration": RELAXED,
            "rc_login": {"address": RELAXED, "account": RELAXED, "failed_attempts": RELAXED},
            "rc_joins": {"local": RELAXED, "remote": RELAXED},
            "rc_joins_per_room": RELAXED,
            "rc_invites": {"per_room": RELAXED, "per_user": RELAXED, "per_issuer": RELAXED},
            "rc_room_creation": RELAXED,
            "rc_admin_redaction": RELAXED,
            **(extra_config or {}),
        }
        (self.dir / "homeserver.yaml").write_text(_yaml(config))
        (self.dir / "log.yaml").write_text(
            "version: 1\nformatters: {f: {format: '%(asctime)s %(levelname)s %(name)s %(message)s'}}\n"
            "handlers: {file: {class: logging.FileHandler, "
            f"filename: '{self.dir / 'homeserver.log'}', formatter: f}}}}\n"
            "root: {level: WARNING, handlers: [file]}\ndisable_existing_loggers: false\n"
        )
        self.process = None

    def launch(self) -> "Synapse":
        """Start the process without waiting (two homeservers can boot side by side); then `wait()`."""
        config = str(self.dir / "homeserver.yaml")
        # An ed25519 signing key in Synapse's format ("ed25519 <version> <unpadded base64 seed>"), written
        # here rather than by `--generate-keys`, which would cost one more Synapse start-up.
        # Kept across a restart: the same homeserver comes back.
        if not (self.dir / "signing.key").exists():
            seed = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
            (self.dir / "signing.key").write_text(f"ed25519 a_test {seed}\n")
        self.process = subprocess.Popen(
            [str(self.python), "-m", "synapse.app.homeserver", "-c", config],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=open(self.dir / "stderr.log", "w"),  # noqa: SIM115
        )
        return self

    def start(self) -> "Synapse":
        return self.launch().wait()

    def wait(self) -> "Synapse":
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"Synapse s'est arrêté au démarrage : {(self.dir / 'stderr.log').read_text()[-3000:]}"
                )
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or busy
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("Synapse ne répond pas après 120 s.")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused homeserver would never see the SIGTERM
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None

    # --- Outages (the bridge must catch up by itself) ---------------------------------------------------

    def pause(self) -> None:
        """SIGSTOP: the port still accepts connections, nothing answers."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL, no clean shutdown."""
        self.process.kill()
        self.process.wait(timeout=15)

    def restart(self) -> "Synapse":
        """Start the same homeserver again (same port, database, signing key) after `kill()`."""
        self.process = None
        return self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- Helpers for tests: plain Matrix users outside the intranet ---------------------------------------

    def register(self, username: str, password: str, *, admin: bool = False) -> dict:
        nonce = requests.get(f"{self.url}/_synapse/admin/v1/register", timeout=10).json()["nonce"]
        mac = hmac.new(
            self.shared_secret.encode(),
            b"\x00".join(
                [nonce.encode(), username.encode(), password.encode(), b"admin" if admin else b"notadmin"]
            ),
            hashlib.sha1,
        ).hexdigest()
        response = requests.post(
            f"{self.url}/_synapse/admin/v1/register",
            json={"nonce": nonce, "username": username, "password": password, "admin": admin, "mac": mac},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()
