"""The production shape (scripts/shape.py) for the deployment proofs: one per test session, PostgreSQL only.

The shape's processes (nginx, two uvicorn workers, redis-server, db_worker) run the production settings on
pytest's own test database, so a test seeds and checks rows with the ORM while every request goes through
nginx over HTTPS."""

import importlib.util
import re
import ssl
import sys
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-shape-test-123456"


def _load_shape_module():
    sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location("shape", ROOT / "scripts" / "shape.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="package")
def shape(django_db_setup, django_db_blocker):
    """The production shape on pytest's test database, for this package's tests only: torn down when they
    end, since its task worker would otherwise go on taking the task rows of every later test (the task
    lease tests in tests/ops saw their row run by the shape's db_worker)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            "the production shape runs several server processes on one database: it needs a PostgreSQL "
            "server they all reach (the SQLite test database lives in this process only)"
        )
    db = connection.settings_dict
    server = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
    module = _load_shape_module()
    running = module.Shape(workers=2, server_url=server, database=db["NAME"])
    with django_db_blocker.unblock():
        running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def s3_shape(shape, django_db_blocker):
    """A second shape on the same test database, its blobs in SeaweedFS S3 (started with an identity file:
    unsigned or expired GETs are refused). Worker A answers downloads with a presigned 302 (the
    application's default), worker B with an X-Accel-Redirect that nginx relays to the bucket
    (S3_PROXY_THROUGH_NGINX). One extra start, for the module's S3 proofs only. Presigned GETs live 3 s."""
    from django.db import connection

    db = connection.settings_dict
    module = _load_shape_module()
    running = module.Shape(
        workers=2,
        server_url=shape.server_url,
        database=db["NAME"],
        storage="s3",
        s3_download="redirect",
        worker_env={1: {"S3_PROXY_THROUGH_NGINX": "true"}},
        extra_env={"S3_PRESIGN_SECONDS": "3"},
    )
    with django_db_blocker.unblock():
        running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def live_shape(shape):
    """The session's shape with every worker running: a previous test may have killed one, and the task
    worker dies when the flush between tests removes a task row it is running (django-tasks-db then fails
    to record the result), so it is started again here, as systemd would."""
    shape.ensure_workers()
    return shape


@pytest.fixture
def agents(live_shape, make_user, settings):
    """Marie and Paul, with passwords the production workers can check (PBKDF2, not the tests' MD5)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    made = []
    for username, first, last in (("marie.dupont", "Marie", "Dupont"), ("paul.dewitte", "Paul", "Dewitte")):
        user = make_user(username, first_name=first, last_name=last)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        made.append(user)
    return made


def login(shape, user, base: str | None = None) -> requests.Session:
    """Log in through nginx with the login form, as a browser does (CSRF cookie, token, Referer)."""
    base = base or shape.url
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE would override `verify` (psf/requests#3829)
    session.verify = str(shape.certificate)
    page = session.get(f"{base}/connexion/", timeout=30)
    assert page.status_code == 200, page.status_code
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/connexion/",
        data={"csrfmiddlewaretoken": token, "username": user.username, "password": PASSWORD},
        headers={"Referer": f"{base}/connexion/"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, (response.status_code, response.text[:500])
    assert "sessionid" in session.cookies
    return session


def csrf_headers(session: requests.Session, base: str) -> dict:
    return {"X-CSRFToken": session.cookies["csrftoken"], "Referer": f"{base}/", "Origin": base}


def ws_url(base: str, path: str) -> str:
    return base.replace("https://", "wss://") + path


def ws_options(shape, session: requests.Session, base: str) -> dict:
    context = ssl.create_default_context(cafile=str(shape.certificate))
    return {
        "origin": base,
        "additional_headers": {"Cookie": f"sessionid={session.cookies['sessionid']}"},
        "ssl": context,
    }
