"""The antivirus scan against a real clamd (ClamAV), started for the session on a home-made signature for
the EICAR test string: no Debian package ships signatures and freshclam cannot run in CI, so this tests the
plumbing (INSTREAM, replies, refusals), not ClamAV's detection. Skipped when clamd is not installed
(scripts/system-deps.sh installs it; CI does)."""

import io
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from ged import antivirus, storage
from ged.models import Blob, Document, Version
from ged.samples import docx_bytes

from .conftest import Named

# Built from two halves so that this source file is not itself flagged by a scanner on a developer's machine.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-" + b"ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Intranet.Test.EICAR"
STREAM_MAX = 1024 * 1024  # clamd's StreamMaxLength here, to test a file clamd refuses to receive
INFECTED = "L'antivirus a détecté un fichier infecté"


def _clamd_binary() -> str | None:
    found = shutil.which("clamd")
    if found:
        return found
    return "/usr/sbin/clamd" if os.access("/usr/sbin/clamd", os.X_OK) else None


def _command(sock_path: str, command: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(sock_path)
        sock.sendall(b"z" + command + b"\0")
        reply = b""
        while not reply.endswith(b"\0"):
            part = sock.recv(4096)
            if not part:
                break
            reply += part
    return reply.rstrip(b"\0")


class Clamd:
    def __init__(self, binary: str, directory: Path):
        self.binary = binary
        self.directory = directory
        self.socket = str(directory / "clamd.sock")
        self.log = directory / "clamd.log"
        self.process: subprocess.Popen | None = None
        self.startup_seconds = 0.0
        self.version = ""

    def write_config(self) -> Path:
        # A main-database signature (.ndb): any file type, any offset, the EICAR bytes in hex.
        (self.directory / "intranet-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
        lines = [
            f"LocalSocket {self.socket}",
            "LocalSocketMode 600",
            f"DatabaseDirectory {self.directory}",
            f"TemporaryDirectory {self.directory}",
            "Foreground yes",
            "LogSyslog no",
            "LogVerbose no",
            "SelfCheck 0",
            f"StreamMaxLength {STREAM_MAX // 1024}K",
        ]
        if os.geteuid() == 0:
            lines.append("User root")  # otherwise clamd runs as the current user
        conf = self.directory / "clamd.conf"
        conf.write_text("\n".join(lines) + "\n")
        return conf

    def start(self) -> None:
        conf = self.write_config()
        started = time.monotonic()
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [self.binary, "--config-file", str(conf)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = started + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"clamd exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if _command(self.socket, b"PING") == b"PONG":
                    break
            except OSError:
                pass
            time.sleep(0.01)
        else:
            self.stop()
            raise RuntimeError(f"clamd did not answer PING within 30 s:\n{self.log.read_text()}")
        self.startup_seconds = time.monotonic() - started
        self.version = _command(self.socket, b"VERSION").decode()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def clamd():
    binary = _clamd_binary()
    if binary is None:
        pytest.skip(
            "clamd absent : installez clamav-daemon (scripts/system-deps.sh) / "
            "clamd not installed: install clamav-daemon (scripts/system-deps.sh)"
        )
    # A short path of our own: a Unix socket path must stay under 108 bytes, which pytest's tmp dirs may not.
    directory = Path(tempfile.mkdtemp(prefix="intranet-clamd-"))
    server = Clamd(binary, directory)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def scanning(clamd, settings):
    """Uploads scanned by the session's clamd."""
    settings.CLAMD_SOCKET = clamd.socket
    settings.CLAMD_HOST = ""
    return clamd


def _zip(entries) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return out.getvalue()


def _docx_with(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx_bytes(["Compte rendu"]))) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr(name, data)
    return out.getvalue()


def _nothing_stored():
    assert not Document.objects.exists()
    assert not Version.objects.exists()
    assert not Blob.objects.exists()
    assert storage.blob_list() == []
    assert not list(storage.tmp_dir().iterdir())


def test_clamd_runs_on_the_home_made_signature(scanning):
    assert scanning.version.startswith("ClamAV ")
    assert _command(scanning.socket, b"PING") == b"PONG"
    assert antivirus.enabled()


def test_clean_upload_passes_the_scan(scanning, space, upload):
    doc, v = upload(space.root, "note.txt", b"Bonjour le monde")
    assert v.size == len(b"Bonjour le monde")
    assert storage.blob_exists(v.blob_id)
    assert not list(storage.tmp_dir().iterdir())


def test_clean_docx_passes_the_scan(scanning, space, upload):
    doc, v = upload(space.root, "Compte rendu.docx", docx_bytes(["Réunion du conseil communautaire"]))
    assert v.mime_type.endswith("wordprocessingml.document")


def test_eicar_text_file_is_refused_and_nothing_stored(scanning, space, upload):
    with pytest.raises(ValidationError) as exc:
        upload(space.root, "eicar.txt", EICAR)
    assert exc.value.code == "infected"
    assert exc.value.messages == [
        "L'antivirus a détecté un fichier infecté : il a été refusé. Prévenez le service informatique."
    ]
    _nothing_stored()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("archive.zip", _zip([("lisez-moi.txt", b"rien"), ("dossier/eicar.com", EICAR)])),
        ("rapport.docx", _docx_with("word/media/eicar.bin", EICAR)),
    ],
    ids=["zip", "docx"],
)
def test_eicar_inside_an_archive_is_refused(scanning, space, upload, name, data):
    with pytest.raises(ValidationError) as exc:
        upload(space.root, name, data)
    assert exc.value.code == "infected"
    assert INFECTED in exc.value.messages[0]
    _nothing_stored()


def test_eicar_over_http_is_refused_in_french(scanning, client, space, manager):
    client.force_login(manager)
    response = client.post(
        f"/documents/dossier/{space.root.pk}/deposer/",
        {"files": Named(EICAR, "eicar.txt")},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert INFECTED in response.json()["error"]
    _nothing_stored()


def test_new_version_with_eicar_keeps_the_old_one(scanning, space, upload):
    doc, v1 = upload(space.root, "note.txt", b"version saine")
    with pytest.raises(ValidationError, match=INFECTED):
        upload(space.root, "note.txt", EICAR)
    assert list(Version.objects.values_list("pk", flat=True)) == [v1.pk]
    assert Blob.objects.count() == 1
    assert not list(storage.tmp_dir().iterdir())


def test_clamd_down_refuses_the_upload(settings, space, upload, tmp_path):
    """Fail closed: no scan, no upload; the message says to retry."""
    settings.CLAMD_SOCKET = str(tmp_path / "absent.sock")
    settings.CLAMD_HOST = ""
    with pytest.raises(ValidationError) as exc:
        upload(space.root, "note.txt", b"Bonjour le monde")
    assert exc.value.code == "antivirus_down"
    assert exc.value.messages == [
        "L'antivirus ne répond pas : le fichier n'a pas été enregistré. Réessayez dans quelques minutes."
    ]
    _nothing_stored()


def test_socket_that_hangs_up_without_a_reply_refuses_the_upload(settings, space, upload, tmp_path):
    """A socket that accepts and closes at once (clamd dying, say) is "down" too, never a pass."""
    path = str(tmp_path / "mute.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)

    def hang_up():
        conn, _ = listener.accept()
        conn.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    settings.CLAMD_SOCKET = path
    settings.CLAMD_HOST = ""
    try:
        with pytest.raises(ValidationError) as exc:
            upload(space.root, "note.txt", b"Bonjour le monde")
    finally:
        thread.join(timeout=5)
        listener.close()
    assert exc.value.code == "antivirus_down"
    _nothing_stored()


def test_file_over_clamd_stream_limit_is_refused_with_its_own_message(scanning, space, upload):
    """clamd cuts the stream past its StreamMaxLength; the upload is refused, not reported as clamd down."""
    with pytest.raises(ValidationError) as exc:
        upload(space.root, "gros.txt", b"a" * (3 * STREAM_MAX))
    assert exc.value.code == "antivirus_too_big"
    assert "trop volumineux pour être analysé" in exc.value.messages[0]
    _nothing_stored()
    assert _command(scanning.socket, b"PING") == b"PONG"  # clamd itself is fine
