"""Shared data builders for the GED benchmarks (B1, B2): bulk rows, one real blob."""

import io
import os


class Named(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


def bulk_documents(folder, n, author, prefix="Doc"):
    """n documents with 1-3 versions each, sharing one real blob (rows only: fast)."""
    import random

    from ged.actions import document_upload
    from ged.models import Document, Version

    _doc, v = document_upload(
        folder=folder, uploaded_file_or_path=Named(b"contenu", "modele.txt"), author=author
    )
    rng = random.Random(1)
    docs = Document.objects.bulk_create(
        [Document(title=f"{prefix} {i:05}.txt", folder=folder, space_id=folder.space_id) for i in range(n)],
        batch_size=2000,
    )
    versions = []
    for d in docs:
        for number in range(1, rng.randint(1, 3) + 1):
            versions.append(
                Version(
                    document=d,
                    number=number,
                    blob_id=v.blob_id,
                    size=rng.randint(1, 10**6),
                    mime_type="text/plain",
                    original_name=d.title,
                    author=author,
                )
            )
    versions = Version.objects.bulk_create(versions, batch_size=5000)
    latest = {}
    for ver in versions:
        latest[ver.document_id] = ver
    for d in docs:
        d.current_version = latest[d.pk]
    Document.objects.bulk_update(docs, ["current_version"], batch_size=2000)
    return docs


# The deployed server's protocol and loop: gunicorn's uvicorn_worker.UvicornWorker asks for "auto", which is
# httptools and uvloop since both are dependencies (pyproject.toml). Named here, so that a venv without them
# fails to start instead of measuring h11 + asyncio silently.
SERVER_ARGS = ["--http", "httptools", "--loop", "uvloop"]


def serve(db_settings, storage_root, server_args=SERVER_ARGS):
    """Start uvicorn (the real ASGI app, the deployed worker's settings) in a subprocess on the bench
    database; return (process, url)."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ)
    name = db_settings["NAME"]
    if db_settings["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{name}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db_settings['USER']}@{db_settings['HOST']}:{db_settings['PORT']}/{name}"
        )
    env["GED_STORAGE_ROOT"] = str(storage_root)
    env["DJANGO_SETTINGS_MODULE"] = "intranet.settings.test"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "intranet.asgi:application",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--lifespan",
        "off",
        *server_args,
    ]
    if os.cpu_count() and os.cpu_count() > 1:
        cmd = ["taskset", "-c", "1", *cmd]
    proc = subprocess.Popen(cmd, env=env, cwd=str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(url + "/healthz", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, url


def cpu_s(pid):
    """User + system CPU seconds used so far by process `pid`."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid):
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def io_counters(pid):
    out = {}
    with open(f"/proc/{pid}/io") as fh:
        for line in fh:
            k, v = line.split(":")
            out[k] = int(v)
    return out


def session_cookies(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {k: v.value for k, v in client.cookies.items()}
