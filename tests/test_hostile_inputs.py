"""Issue 14's hostile inputs, through the public routes: each answers a 4xx with a French message, never a
500, and the valid form of the same request still works (the refusal is for the stated reason)."""

import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import resolve

pytestmark = pytest.mark.django_db

BIG = "9" * 30  # beyond 64 bits
JUST_BEYOND = str(2**63)  # 19 digits, one more than the largest bigint


class Named(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


@pytest.fixture
def world(agent, make_user, settings, tmp_path, django_capture_on_commit_callbacks):
    """A salon, a room on a site, a GED document with one version: each built by the real actions."""
    from chat.actions import salon_create
    from ged.actions import document_upload, space_create
    from ged.choices import SpacePolicy
    from rooms.models import Room, Site

    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    settings.GED_STORAGE_ALIAS = ""
    settings.GED_ACCEL_REDIRECT_PREFIX = ""
    colleague = make_user("paul.dewitte", first_name="Paul", last_name="Dewitte")
    salon = salon_create(name="Projet PLUi", creator=agent, members=[colleague])
    site = Site.objects.create(name="Siège", slug="siege", address="Hazebrouck")
    room = Room.objects.create(name="Petite salle", slug="petite", site=site, capacity=6)
    space = space_create(name="Urbanisme", slug="urba", policy=SpacePolicy.PRIVATE, creator=agent)
    with django_capture_on_commit_callbacks(execute=True):
        document, version = document_upload(
            folder=space.root, uploaded_file_or_path=Named(b"Bonjour le monde", "note.txt"), author=agent
        )
    return type(
        "World",
        (),
        {
            "salon": salon,
            "site": site,
            "room": room,
            "space": space,
            "document": document,
            "version": version,
        },
    )


def _french_404(response):
    assert response.status_code == 404, response.status_code
    assert "Page introuvable" in response.content.decode()


def _french_400_json(response, words: str):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert words in response.json()["detail"]


# --- Ids beyond 64 bits in paths -------------------------------------------------------------------------

PATHS = [
    ("/discussions/{id}/", "chat:salon"),
    ("/discussions/{id}/membres/", "chat:members"),
    ("/kotje/pieces-jointes/{id}/{id}/", "kotje:attachment"),
    ("/kotje/avis/{id}/statistiques/", "kotje:feedback_report"),
    ("/documents/document/{id}/", "ged:document"),
    ("/documents/version/{id}/telecharger/", "ged:download_version"),
    ("/salles/{id}/", "rooms:room"),
    ("/salles/reservations/{id}/", "rooms:booking"),
    ("/notifications/{id}/ouvrir/", "notifications:open"),
    ("/pieces-jointes/{id}/note.pdf", "wagtaildocs_serve"),
]


@pytest.mark.parametrize("path,name", PATHS)
def test_id_beyond_64_bits_in_a_path_is_a_french_404(agent_client, path, name):
    for hostile in (BIG, JUST_BEYOND, "0"):
        _french_404(agent_client.get(path.format(id=hostile)))
    # Control: the same route with an id in range reaches its view (the bound is the only difference).
    assert resolve(path.format(id="12")).view_name == name
    assert resolve(path.format(id=str(2**63 - 1))).view_name == name


def test_existing_salon_and_room_still_open(agent_client, world):
    assert agent_client.get(f"/discussions/{world.salon.pk}/").status_code == 200
    assert agent_client.get(f"/discussions/{world.salon.pk}/membres/").status_code == 200
    assert agent_client.get(f"/salles/{world.room.pk}/").status_code == 200
    assert agent_client.get(f"/documents/document/{world.document.pk}/").status_code == 200


def test_nul_byte_in_a_page_file_path_is_a_french_404(agent_client):
    _french_404(agent_client.get("/fichiers/images/a%00b.png"))
    # Control: an ordinary unknown image path reaches the same view, same answer.
    _french_404(agent_client.get("/fichiers/images/ab.png"))


# --- Ids beyond 64 bits in queries and API paths ---------------------------------------------------------


def test_api_salon_messages_with_huge_id(agent_client, world):
    _french_400_json(agent_client.get(f"/api/v1/chat/salons/{BIG}/messages"), "Identifiant invalide")
    _french_400_json(
        agent_client.get(f"/api/v1/chat/salons/{world.salon.pk}/messages?before={BIG}"),
        "Identifiant invalide",
    )
    assert agent_client.get(f"/api/v1/chat/salons/{world.salon.pk}/messages").status_code == 200


def test_api_rooms_with_huge_site(agent_client, world):
    _french_400_json(agent_client.get(f"/api/v1/rooms?site={BIG}"), "Identifiant invalide")
    _french_400_json(agent_client.get(f"/api/v1/rooms?capacity={BIG}"), "Capacité invalide")
    response = agent_client.get(f"/api/v1/rooms?site={world.site.pk}")
    assert response.status_code == 200 and [r["id"] for r in response.json()] == [world.room.pk]


def test_api_room_and_document_with_huge_id(agent_client, world):
    _french_400_json(agent_client.get(f"/api/v1/rooms/{BIG}"), "Identifiant invalide")
    assert agent_client.get(f"/api/v1/rooms/{world.room.pk}").status_code == 200


def test_api_projects_with_huge_ids_and_hostile_bodies(agent_client, agent):
    """The projects API's new writes: ids beyond 64 bits, a column id beyond them in a body, a NUL, a
    10,000-character title, an assignee outside the team; then the valid card."""
    from projects.actions import workspace_create

    board = workspace_create(name="Plan vélo", creator=agent).boards.get()
    column = board.columns.first()
    for url in (f"/api/v1/projects/cards/{BIG}/comments", f"/api/v1/projects/boards/{BIG}"):
        _french_400_json(agent_client.get(url), "Identifiant invalide")
    url = f"/api/v1/projects/boards/{board.pk}/cards"
    huge = agent_client.post(url, {"column": int(BIG), "title": "x"}, content_type="application/json")
    assert huge.status_code == 422 and "column" in huge.content.decode()
    for body, words in (
        ({"title": "a\x00b"}, "caractère nul"),
        ({"title": "x" * 10000}, "200 caractères"),
        ({"title": "Carte", "assignees": ["inconnu"]}, "ne fait pas partie de l'équipe"),
    ):
        response = agent_client.post(url, {"column": column.pk, **body}, content_type="application/json")
        _french_400_json(response, words)
    card = agent_client.post(url, {"column": column.pk, "title": "Carte"}, content_type="application/json")
    assert card.status_code == 201
    item_url = f"/api/v1/projects/cards/{card.json()['id']}/checklist/{BIG}"
    _french_400_json(
        agent_client.patch(item_url, {"done": True}, content_type="application/json"), "Identifiant"
    )


def test_rooms_page_with_huge_or_odd_site(agent_client, world):
    for hostile in (BIG, "²", "-1"):
        response = agent_client.get("/salles/", {"site": hostile})
        assert response.status_code == 400 and "Identifiant invalide" in response.content.decode()
    assert agent_client.get("/salles/", {"site": world.site.pk}).status_code == 200


def test_next_slots_with_odd_duration(agent_client, world):
    url = f"/salles/{world.room.pk}/prochains-creneaux/"
    for hostile in ("²", BIG, "1"):
        response = agent_client.get(url, {"duree": hostile})
        assert response.status_code == 400 and "Durée invalide" in response.content.decode()
    assert agent_client.get(url, {"duree": "30"}).status_code == 200


# --- Pages past the end ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/news", "/api/v1/people"])
def test_api_page_past_the_end(agent_client, url):
    _french_400_json(agent_client.get(url, {"page": BIG}), "Numéro de page invalide")
    past = agent_client.get(url, {"page": 999})
    assert past.status_code == 200 and past.json()["items"] == []
    assert agent_client.get(url, {"page": 1}).status_code == 200


# --- Extreme dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30", "demain"])
def test_rooms_week_and_day_views_with_extreme_dates(agent_client, world, day):
    for url, param in (
        (f"/salles/{world.room.pk}/", "semaine"),
        (f"/salles/site/{world.site.slug}/", "jour"),
    ):
        response = agent_client.get(url, {param: day})
        assert response.status_code == 400, (url, day, response.status_code)
        assert "date" in response.content.decode().lower()
        assert agent_client.get(url, {param: "2026-12-07"}).status_code == 200


@pytest.mark.parametrize(
    "start,end",
    [("0001-01-01T00:00:00", "0001-01-01T01:00:00"), ("9999-12-31T22:00:00", "9999-12-31T23:00:00")],
)
def test_api_availability_with_extreme_dates(agent_client, world, start, end):
    response = agent_client.get("/api/v1/rooms/availability", {"start": start, "end": end})
    _french_400_json(response, "Date hors limites")
    valid = agent_client.get(
        "/api/v1/rooms/availability", {"start": "2026-12-07T09:00:00", "end": "2026-12-07T10:00:00"}
    )
    assert valid.status_code == 200 and [r["id"] for r in valid.json()] == [world.room.pk]


def test_booking_form_with_extreme_date(agent_client, world):
    data = {"title": "Réunion", "start_time": "09:00", "end_time": "10:00", "attendees": 2}
    response = agent_client.post(f"/salles/{world.room.pk}/reserver/", {**data, "date": "9999-12-31"})
    assert response.status_code == 400 and "Date hors limites" in response.content.decode()
    today = date.today()
    next_monday = (today + timedelta(days=7 - today.weekday())).isoformat()  # rooms are closed at weekends
    ok = agent_client.post(f"/salles/{world.room.pk}/reserver/", {**data, "date": next_monday})
    assert ok.status_code == 302, [line for line in ok.content.decode().splitlines() if "rror" in line]


# --- Range with 5,000 digits -------------------------------------------------------------------------------


def test_range_with_5000_digits_on_downloads(agent_client, world):
    urls = [
        f"/documents/document/{world.document.pk}/telecharger/",
        f"/documents/version/{world.version.pk}/telecharger/",
        f"/api/v1/ged/versions/{world.version.pk}/download",
    ]
    for url in urls:
        response = agent_client.get(url, headers={"Range": "bytes=" + "9" * 5000 + "-"})
        assert response.status_code == 416, (url, response.status_code)
        assert "hors du fichier" in response.content.decode()
        whole = agent_client.get(url, headers={"Range": "bytes=-" + "9" * 5000})
        assert whole.status_code == 206 and b"".join(whole.streaming_content) == b"Bonjour le monde"
        part = agent_client.get(url, headers={"Range": "bytes=0-6"})
        assert part.status_code == 206 and b"".join(part.streaming_content) == b"Bonjour"


def test_odd_if_match_on_api_new_version(session_client, world):
    url = f"/api/v1/ged/documents/{world.document.pk}/versions"
    for hostile in ("²", "9" * 5000):
        response = session_client.post(
            url,
            {"file": Named(b"Version 2", "note.txt")},
            headers={**_csrf(session_client), "If-Match": f'"{hostile}"'},
        )
        assert response.status_code == 412 and "If-Match invalide" in response.json()["detail"]
    ok = session_client.post(
        url, {"file": Named(b"Version 2", "note.txt")}, headers={**_csrf(session_client), "If-Match": '"1"'}
    )
    assert ok.status_code == 201, ok.content[:300]


# --- JSON nested 100,000 deep ------------------------------------------------------------------------------


@pytest.fixture
def onlyoffice_configured(settings):
    # Parsing comes before any call to the Document Server: nothing listens at this address.
    settings.ONLYOFFICE_URL = "http://127.0.0.1:9"
    settings.ONLYOFFICE_INTERNAL_URL = ""
    settings.ONLYOFFICE_JWT_SECRET = "s" * 40


DEEP = b"[" * 100_000 + b"]" * 100_000


def test_deep_json_on_onlyoffice_callback(client, world, onlyoffice_configured):
    from ged.onlyoffice import callback_signature

    url = f"/documents/onlyoffice/rappel/{world.document.pk}/{callback_signature(world.document.pk)}/"
    response = client.post(url, DEEP, content_type="application/json")
    assert response.status_code == 400 and "trop imbriqué" in response.json()["detail"]
    # Control: a flat body goes on to the token check (no token: refused as before, nothing stored).
    flat = client.post(url, b'{"status": 1, "key": "k"}', content_type="application/json")
    assert flat.status_code == 403 and flat.json() == {"error": 1}


def test_deep_json_on_onlyoffice_restore(agent_client, world, onlyoffice_configured):
    url = f"/documents/document/{world.document.pk}/en-ligne/restaurer/"
    response = agent_client.post(url, DEEP, content_type="application/json")
    assert response.status_code == 400 and "trop imbriqué" in response.json()["error"]
    huge = agent_client.post(url, b'{"version": 1e400}', content_type="application/json")
    assert huge.status_code == 400 and "Numéro de version invalide" in huge.json()["error"]
    # Control: the well-formed request reaches the version lookup (number 1 exists, 2 does not).
    assert agent_client.post(url, b'{"version": 2}', content_type="application/json").status_code == 404


# --- Broken multipart to API uploads under a session login -----------------------------------------------


@pytest.fixture
def session_client(agent):
    """A browser: session cookie and CSRF token, as the API's session auth checks them."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    client.get("/")  # sets the csrftoken cookie
    return client


def _csrf(client) -> dict:
    return {"X-CSRFToken": client.cookies["csrftoken"].value}


def test_multipart_without_boundary_to_api_upload(session_client, world):
    url = f"/api/v1/ged/folders/{world.space.root_id}/documents"
    body = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nabc\r\n--x--\r\n'
    response = session_client.post(
        url, body, content_type="multipart/form-data", headers=_csrf(session_client)
    )
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert "detail" in response.json()
    ok = session_client.post(
        url,
        {"file": Named(b"Bonjour", "ok.txt")},
        headers=_csrf(session_client),
    )
    assert ok.status_code == 201, ok.content[:300]


def test_multipart_with_2kb_part_header_to_api_upload(session_client, world):
    url = f"/api/v1/ged/folders/{world.space.root_id}/documents"
    long_name = "a" * 2048 + ".txt"
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="'
        + long_name.encode()
        + b'"\r\nContent-Type: text/plain\r\n\r\nabc\r\n--xyz--\r\n'
    )
    response = session_client.post(
        url, body, content_type="multipart/form-data; boundary=xyz", headers=_csrf(session_client)
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response.json()["detail"]


# --- Login, admin and language switch loops ---------------------------------------------------------------


def test_logged_in_login_page_ignores_next_pointing_at_itself(agent_client):
    response = agent_client.get("/connexion/", {"next": "/connexion/"})
    assert response.status_code == 302 and response["Location"] == "/"
    # Control: an ordinary next is still followed.
    response = agent_client.get("/connexion/", {"next": "/salles/"})
    assert response.status_code == 302 and response["Location"] == "/salles/"


def test_anonymous_language_switch_on_the_login_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/connexion/"})
    assert response.status_code == 302 and response["Location"] == "/connexion/"
    assert client.cookies["django_language"].value == "en"
    assert client.get("/connexion/")["Content-Language"] == "en"


# --- Websockets ---------------------------------------------------------------------------------------------


def _socket(client, path):
    from channels.testing import WebsocketCommunicator

    from intranet.asgi import application

    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


@pytest.mark.django_db(transaction=True)
async def test_chat_socket_with_huge_id_is_refused_and_a_huge_read_id_ignored(agent):
    from asgiref.sync import sync_to_async

    from chat.actions import salon_create
    from chat.models import Membership

    salon = await sync_to_async(salon_create)(name="Projet PLUi", creator=agent)
    client = Client()
    await sync_to_async(client.force_login)(agent)
    for path in (f"/ws/chat/{BIG}/", f"/ws/chat/{JUST_BEYOND}/", "/ws/nulle-part/"):
        communicator = _socket(client, path)
        connected, _code = await communicator.connect()
        assert not connected, path
        await communicator.disconnect()
    # Control: the salon's own socket opens. On it, a read marker beyond 64 bits is ignored (one test for
    # both: a transactional test costs seconds of teardown).
    communicator = _socket(client, f"/ws/chat/{salon.pk}/")
    connected, code = await communicator.connect()
    assert connected, code
    await communicator.send_json_to({"type": "read", "id": 10**30})
    await communicator.send_to(text_data='{"type": "read", "id": 1e400}')
    # The socket is still alive and serving: a post comes back to its author.
    await communicator.send_json_to({"type": "post", "text": "Toujours là", "client_id": 7})
    event = await communicator.receive_json_from(timeout=5)
    while event.get("type") != "message":
        event = await communicator.receive_json_from(timeout=5)
    assert event["html"] == "<p>Toujours là</p>"
    await communicator.send_json_to({"type": "read", "id": event["id"]})
    await communicator.disconnect()
    last_read = await sync_to_async(lambda: Membership.objects.get(salon=salon, user=agent).last_read_id)()
    assert last_read == event["id"]
