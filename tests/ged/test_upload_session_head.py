"""HEAD on an upload session's status (issue 12 part 7): the same headers as GET (`Upload-Offset`,
`Upload-Length`, no caching) and no body; 404 for someone else's session or an unknown id, as GET."""

import pytest
from django.test import RequestFactory
from django.urls import resolve

from ged.choices import Role

pytestmark = pytest.mark.django_db

API = "/api/v1/ged/uploads"
HEADERS = ("Upload-Offset", "Upload-Length", "Cache-Control")


def _session_with_four_bytes(client, space) -> str:
    created = client.post(
        API, {"folder": space.root.pk, "filename": "a.txt", "size": 10}, content_type="application/json"
    )
    assert created.status_code == 201
    upload_id = created.json()["id"]
    part = client.put(
        f"{API}/{upload_id}",
        data=b"abcd",
        content_type="application/octet-stream",
        headers={"Content-Range": "bytes 0-3/10"},
    )
    assert part.status_code == 200
    return upload_id


def test_head_answers_the_get_headers_without_a_body(client, space, manager):
    client.force_login(manager)
    upload_id = _session_with_four_bytes(client, space)

    get = client.get(f"{API}/{upload_id}")
    head = client.head(f"{API}/{upload_id}")
    assert get.status_code == head.status_code == 200
    assert get.json()["offset"] == 4
    for name in HEADERS:
        assert head[name] == get[name], name
    assert (head["Upload-Offset"], head["Upload-Length"]) == ("4", "10")
    assert "no-store" in head["Cache-Control"]
    assert head.content == b""

    # The view itself writes no body (not only the test client dropping it, as servers do for HEAD).
    request = RequestFactory().head(f"{API}/{upload_id}")
    request.user = manager
    request.session = client.session
    match = resolve(f"{API}/{upload_id}")
    response = match.func(request, **match.kwargs)
    assert response.status_code == 200 and response.content == b""
    assert response["Upload-Offset"] == "4"


def test_head_on_someone_elses_or_an_unknown_session_is_404(client, space, manager, make_user, grant):
    client.force_login(manager)
    upload_id = _session_with_four_bytes(client, space)
    other = make_user("autre.agent")
    grant(space.root, Role.EDITOR, user=other)
    client.force_login(other)
    for path in (f"{API}/{upload_id}", f"{API}/{'x' * 40}", f"{API}/{'é' * 300}"):
        get, head = client.get(path), client.head(path)
        assert head.status_code == 404, path
        assert get.status_code in (404, 422), path  # GET validates the id's shape first
        assert "Upload-Offset" not in head and head.content == b""
    client.logout()
    assert client.head(f"{API}/{upload_id}").status_code == 401


def test_head_is_left_out_of_the_schema_and_get_says_it(client, manager):
    client.force_login(manager)
    schema = client.get("/api/v1/openapi.json").json()
    operations = schema["paths"]["/api/v1/ged/uploads/{upload_id}"]
    assert "head" not in operations
    assert "HEAD" in operations["get"]["description"]
