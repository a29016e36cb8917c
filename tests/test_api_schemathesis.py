"""Schemathesis over /api/v1/openapi.json, once per role (security.md R6).

The whole API is generated from its own OpenAPI schema, positive and negative data, against the ASGI
application the workers serve (intranet.asgi: the streaming upload handler, its body limit, the WebDAV
mount beside it), in-process through schemathesis's ASGI transport: its views run in Django's sync thread,
so the demo territory the test seeds is committed (a transactional test), with a personal access token per
role. Checks: no server error, every status code declared, every
body matching its declared schema, and invalid data refused. Zero failures.

Marked `heavy`: CI runs it once, in its PostgreSQL pass (the SQLite pass leaves it out; every route, the API's
included, is still crawled there by tests/test_route_crawler.py). Run on SQLite by hand, it is a smoke run
with a few examples per operation.
"""

import io
from collections import Counter

import pytest
import schemathesis
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from intranet.api import api
from intranet.people.actions import api_token_create

pytestmark = [pytest.mark.django_db, pytest.mark.heavy]

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, negative_data_rejection]
CHECKS_FOR_VALID = [not_a_server_error, status_code_conformance, response_schema_conformance]

# Demo accounts (intranet/people/demo.py): an agent, a department head, IT. None is the anonymous caller.
ROLES = {
    "anonyme": None,
    "agent": "marine.petit",
    "chef de service": "helene.lefebvre",
    "informatique": "admin.si",
}

# Examples per operation and generation mode. PostgreSQL is CI's full pass; SQLite re-runs the same paths.
BUDGET = {"postgresql": {"positive": 10, "negative": 5}, "other": {"positive": 4, "negative": 2}}
# How many real objects per path parameter the generator may pick (the rest of the time: random values).
REAL_SAMPLES = 4


def _budget():
    return BUDGET["postgresql" if connection.vendor == "postgresql" else "other"]


def _real_path_values(username):
    """Ids and slugs that exist in the seeded territory, so generated calls reach real objects too."""

    def ids(label, **filters):
        model = apps.get_model(label)
        return list(model._base_manager.filter(**filters).order_by("pk").values_list("pk", flat=True)[:50])

    return {
        "folder_id": ids("ged.Folder"),
        "document_id": ids("ged.Document"),
        "version_id": ids("ged.Version"),
        "room_id": ids("rooms.Room"),
        "booking_id": ids("rooms.Booking"),
        "salon_id": ids("chat.Salon"),
        "workspace_id": ids("projects.Workspace"),
        "board_id": ids("projects.Board"),
        "card_id": ids("projects.Card"),
        "item_id": ids("projects.ChecklistItem"),
        "column_id": ids("projects.Column"),
        "news_id": ids("news.NewsPage"),
        "principal_id": ids("people.User"),
        "kind": ["user", "group"],
        "username": [username or "marine.petit", "helene.lefebvre", "admin.si", "camille.martin"],
        "slug": list(apps.get_model("people.Department").objects.values_list("slug", flat=True)[:10])
        + list(apps.get_model("ged.Space").objects.values_list("slug", flat=True)[:10]),
    }


def _path_choices(operation, real, n):
    """Up to n fixed path-parameter sets made of real values (spread over the available objects)."""
    names = [p.name for p in operation.path_parameters]
    if not names:
        return []
    choices = []
    for i in range(n):
        chosen = {}
        for name in names:
            values = real.get(name) or []
            if not values:
                break
            chosen[name] = values[(i * 7 + len(name)) % len(values)]
        else:
            choices.append(chosen)
    return choices


@pytest.fixture
def territory(settings, tmp_path):
    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    settings.GED_STORAGE_ALIAS = ""
    settings.GED_ACCEL_REDIRECT_PREFIX = ""
    call_command("seed_demo", force=True, stdout=io.StringIO())


@pytest.fixture
def in_process_app():
    """The ASGI application as uvicorn serves it (HTTP: StreamingASGIHandler, and /dav beside it)."""
    from intranet.asgi import application

    async def counted(scope, receive, send):
        counted.calls[scope["type"]] += 1
        await application(scope, receive, send)

    counted.calls = Counter()
    return counted


def _load_schema(app):
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    schema.app = app
    return schema


def _checks_for(case):
    """The checks a case can be judged by. A negative case is rejected only if what is invalid reaches the
    server as such. Two mutations do not: a bad `Authorization` header, which every call replaces with the
    role's own token (that role is what is being tested), and a bad multipart field, since multipart carries
    only text and files (a null field is left out, a « string instead of integer » may be « 5 »). When nothing
    else was made invalid, the request that arrives is a valid one, and a 2xx is right: every other check
    still applies to it."""
    meta = getattr(case, "_meta", None)
    if meta is None:
        return CHECKS
    invalid = {location for location, info in meta.components.items() if info.mode.is_negative}
    if ParameterLocation.HEADER in invalid and set(case.headers or {}) <= {"Authorization"}:
        invalid.discard(ParameterLocation.HEADER)
    if ParameterLocation.BODY in invalid and (case.media_type or "").startswith("multipart/"):
        invalid.discard(ParameterLocation.BODY)
    return CHECKS if invalid else CHECKS_FOR_VALID


def _fuzz(operation, mode, strategies, max_examples, headers, cases, failures):
    """Up to max_examples cases for one operation and mode; failures are collected, not raised, so one run
    reports every distinct problem (operation, mode, check, status) instead of the first one."""

    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def run(case):
        cases[mode.value] += 1
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=_checks_for(case), headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = (operation.label, mode.value, type(failure).__name__, response.status_code)
                failures.setdefault(key, f"{failure.title}: {failure.message}"[:600])

    run()


def _fuzz_role(role, schema, cases, failures):
    username = ROLES[role]
    headers = {}
    if username:
        user = apps.get_model("people.User").objects.get(username=username)
        _token, secret = api_token_create(user=user, name="schemathesis", days=1)
        headers["Authorization"] = f"Bearer {secret}"
    real = _real_path_values(username)
    budget = _budget()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fixed = _path_choices(operation, real, REAL_SAMPLES)
            strategies = [operation.as_strategy(generation_mode=mode)]
            strategies += [operation.as_strategy(generation_mode=mode, path_parameters=p) for p in fixed]
            _fuzz(operation, mode, strategies, budget[mode.value], headers, cases, failures)


# Create-then-read sequences through the schema's OpenAPI links (a booking, then its page and its cancel; a
# document, then its details and versions), as the department head, who can book rooms and upload into the
# space they manage: the links are walked with real objects, not only 404s.
STATEFUL_BUDGET = {"postgresql": 15, "other": 3}


def _walk_links(schema, calls, failures):
    user = apps.get_model("people.User").objects.get(username=ROLES["chef de service"])
    _token, secret = api_token_create(user=user, name="schemathesis-liens", days=1)
    headers = {"Authorization": f"Bearer {secret}"}

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def after_call(self, response, case):
            calls[case.operation.label] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        Workflow.run(
            settings=settings(
                max_examples=STATEFUL_BUDGET["postgresql" if connection.vendor == "postgresql" else "other"],
                stateful_step_count=4,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
        )
    except FailureGroup as group:  # a sequence stops at its first failure
        for failure in group.exceptions:
            failures[("liens", type(failure).__name__)] = f"{failure.title}: {failure.message}"[:600]


@pytest.mark.django_db(transaction=True)
def test_api_conforms_to_its_schema_for_every_role(territory, in_process_app, capsys):
    """One seeded territory for all roles (seeding is most of the cost), each role with its own token."""
    schema = _load_schema(in_process_app)
    summary, failures = [], {}
    for role in ROLES:
        cases, role_failures = Counter(), {}
        _fuzz_role(role, schema, cases, role_failures)
        summary.append(
            f"schemathesis [{connection.vendor}] {role} : {cases['positive']} cas positifs + "
            f"{cases['negative']} négatifs, {len(role_failures)} échec(s) distinct(s)"
        )
        failures.update({(role, *key): text for key, text in role_failures.items()})
    calls, link_failures = Counter(), {}
    _walk_links(schema, calls, link_failures)
    failures.update(link_failures)
    summary.append(
        f"schemathesis [{connection.vendor}] liens (chef de service) : {sum(calls.values())} appels "
        f"({calls['POST /api/v1/bookings']} réservations, "
        f"{calls['POST /api/v1/ged/folders/{folder_id}/documents']} dépôts), {len(link_failures)} échec(s)"
    )
    # Every case went through the ASGI application (not a WSGI handler or the test client).
    assert in_process_app.calls["http"] >= sum(calls.values()) + len(ROLES) * 10
    with capsys.disabled():
        print("\n" + "\n".join(summary))
    report = "\n".join(f"{key}: {text}" for key, text in sorted(failures.items()))
    assert not failures, f"{len(failures)} distinct failure(s):\n{report}"


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_schema_declares_errors_titles_and_times_honestly(client, agent):
    client.force_login(agent)
    document = client.get("/api/v1/openapi.json").json()
    operations = [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]
    assert len(operations) > 30
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        # Ninja's fallback title is the function name (« Purge Document »): every operation names itself.
        name = operation["operationId"].rsplit("_api_", 1)[-1]
        assert operation["summary"] != name.replace("_", " ").title(), where
        responses = operation["responses"]
        assert "401" in responses, where
        if operation.get("parameters") or "requestBody" in operation:
            assert {"400", "422"} <= set(responses), where
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            assert "404" in responses, where
        for code, response in responses.items():
            if code.startswith("4") and "content" in response:
                ref = response["content"]["application/json"]["schema"].get("$ref", "")
                # Every refusal is read the same way: `detail`, in French (a 409 may add the current state).
                schema = document["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
                error_shaped = (
                    "detail" in schema.get("required", ())
                    and schema["properties"]["detail"].get("type") == "string"
                )
                assert ref.endswith("/ValidationErrorOut") or error_shaped, (where, code)
            assert response["description"] not in {"OK", "Created", "Not Found", "Conflict"}, (where, code)
    # OpenAPI's `time` format requires an offset that wall-clock times do not have.
    assert not [node for node in _walk(document) if node.get("format") == "time"]
    # Request bodies refuse unknown fields.
    for name in ("BookingIn", "ReasonIn", "MessageIn", "GrantIn"):
        assert document["components"]["schemas"][name]["additionalProperties"] is False, name


def test_a_cancel_with_a_list_for_a_body_is_refused(client, agent):
    """`[null, null]` used to pass for `{}` (ninja reads attributes off whatever it is given)."""
    _token, secret = api_token_create(user=agent, name="test", days=1)
    response = client.post(
        "/api/v1/bookings/1/cancel",
        data="[null, null]",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("Requête invalide")
    assert body["errors"][0]["loc"][:1] == ["body"]


def test_a_body_over_the_size_limit_answers_413_in_french(client, agent, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    _token, secret = api_token_create(user=agent, name="test", days=1)
    response = client.post(
        "/api/v1/bookings",
        data='{"title": "' + "x" * 4096 + '"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "La requête est trop volumineuse pour être acceptée."}


def test_a_session_post_without_csrf_token_is_refused_in_french(agent):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    response = browser.post("/api/v1/bookings/1/cancel", data="{}", content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Requête refusée : jeton CSRF")
