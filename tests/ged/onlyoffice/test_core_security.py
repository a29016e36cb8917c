"""R7: hostile callbacks and downloads are refused; nothing fetched outside the Document Server origin."""

import time

import jwt
import pytest
from django.urls import reverse

from ged import onlyoffice
from ged.actions import grant_revoke
from ged.models import EditorKey, Version

from .simulator import edit_bytes, sample_file
from .test_core_flow import open_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def session(onlyoffice_on, client, oo_docx, oo_editor):
    """Éva has the docx open in the simulator and has edited it: a save is pending."""
    _, options = open_page(client, oo_editor, oo_docx)
    key = options["config"]["document"]["key"]
    assert onlyoffice_on.open(options["config"], str(oo_editor.pk)).ok
    onlyoffice_on.edit(key, str(oo_editor.pk), text="Contenu modifié")
    return key


def versions(document) -> int:
    return Version.objects.filter(document=document).count()


@pytest.mark.parametrize(
    "misbehave",
    [
        "unsigned",
        "wrong_secret",
        "alg_none",
        "expired",
        "unknown_key",
        "form_urlencoded",
        "foreign_url",
        "internal_url",
    ],
)
def test_hostile_forcesave_is_refused_with_403(onlyoffice_on, session, oo_docx, oo_editor, misbehave):
    """Bad or missing JWT, unknown key, url outside the DS origin: 403, no version, attacker never reached."""
    result = onlyoffice_on.forcesave(session, str(oo_editor.pk), misbehave=misbehave)
    assert result.http_status == 403, result
    assert result.answer == {"error": 1}
    assert versions(oo_docx) == 1
    assert onlyoffice_on.attacker.hits == 0
    # The refusal was for the stated reason: the same save, well formed, is stored.
    assert onlyoffice_on.forcesave(session, str(oo_editor.pk)).ok
    assert versions(oo_docx) == 2


@pytest.mark.parametrize("misbehave", ["unsigned", "wrong_secret", "alg_none", "expired", "foreign_url"])
def test_hostile_status_2_is_refused(onlyoffice_on, session, oo_docx, oo_editor, misbehave):
    results = onlyoffice_on.close(session, str(oo_editor.pk), misbehave=misbehave)
    assert results[-1].status == 2 and results[-1].http_status == 403
    assert versions(oo_docx) == 1
    assert onlyoffice_on.attacker.hits == 0
    assert EditorKey.objects.get(key=session).retired_at is None  # not rotated by a refused save


@pytest.mark.parametrize("misbehave", ["redirect_url", "oversized", "zip_bomb"])
def test_unusable_file_is_not_stored(onlyoffice_on, session, oo_docx, oo_editor, settings, misbehave):
    """A DS url that redirects elsewhere, a file over the limit, a zip bomb: {"error":1}, nothing stored."""
    settings.ONLYOFFICE_MAX_FILE_SIZE = 5 * 1024 * 1024
    result = onlyoffice_on.forcesave(session, str(oo_editor.pk), misbehave=misbehave)
    assert not result.ok and result.answer == {"error": 1}
    assert versions(oo_docx) == 1
    assert onlyoffice_on.attacker.hits == 0


def test_unsigned_body_contradicting_the_header_token_is_ignored(onlyoffice_on, session, oo_docx, oo_editor):
    """Body: status 2 + foreign url; header token: status 4. The token wins: nothing fetched or stored."""
    result = onlyoffice_on.forcesave(session, str(oo_editor.pk), misbehave="disagree")
    assert result.ok  # status 4 is acknowledged
    assert versions(oo_docx) == 1
    assert onlyoffice_on.attacker.hits == 0


@pytest.mark.parametrize("misbehave", ["header_only", "body_only"])
def test_header_only_or_body_only_token_is_accepted(onlyoffice_on, session, oo_docx, oo_editor, misbehave):
    assert onlyoffice_on.forcesave(session, str(oo_editor.pk), misbehave=misbehave).ok
    assert versions(oo_docx) == 2


def test_duplicate_status_2_makes_one_version(onlyoffice_on, session, oo_docx, oo_editor):
    results = onlyoffice_on.close(session, str(oo_editor.pk), misbehave="duplicate")
    saves = [r for r in results if r.status == 2]
    assert len(saves) == 2 and all(r.ok for r in saves)
    assert versions(oo_docx) == 2


def test_status_6_after_status_2_on_the_rotated_key_is_refused(onlyoffice_on, session, oo_docx, oo_editor):
    """Statuses 1/4 on a rotated key: acknowledged, no action; 2/6 with new content: refused."""
    assert all(r.ok for r in onlyoffice_on.close(session, str(oo_editor.pk)))
    assert versions(oo_docx) == 2
    assert onlyoffice_on.callback(session, 4, user_id=str(oo_editor.pk)).ok
    assert onlyoffice_on.callback(session, 1, user_id=str(oo_editor.pk)).ok
    with onlyoffice_on._lock:
        onlyoffice_on.sessions[session].content = edit_bytes(sample_file("docx"), "docx", "Autre")
    result = onlyoffice_on.callback(session, 6, user_id=str(oo_editor.pk))
    assert result.http_status == 403
    assert versions(oo_docx) == 2


def test_save_by_a_user_who_lost_edit_rights_is_refused_and_managers_told(
    onlyoffice_on, session, oo_docx, oo_editor, oo_folder, manager
):
    """ASVS 8.3.3: no version in the name of someone who may no longer edit; the managers are notified."""
    from intranet.notifications.models import Notification

    grant_revoke(folder=oo_folder, user=oo_editor, actor=manager)
    result = onlyoffice_on.forcesave(session, str(oo_editor.pk))
    assert result.http_status == 403
    assert versions(oo_docx) == 1
    assert Notification.objects.filter(recipient=manager, verb="ged.onlyoffice.refused").exists()


def test_callback_with_a_forged_document_signature_is_refused(onlyoffice_on, session, oo_docx, client):
    url = reverse("ged:onlyoffice_callback", args=[oo_docx.pk, "forged"])
    token = onlyoffice.sign({"key": session, "status": 4})
    response = client.post(url, data={"token": token}, content_type="application/json")
    assert response.status_code == 403
    good = reverse("ged:onlyoffice_callback", args=[oo_docx.pk, onlyoffice.callback_signature(oo_docx.pk)])
    assert client.post(good, data={"token": token}, content_type="application/json").json() == {"error": 0}


def test_custom_header_name_on_both_sides(onlyoffice_on, settings, client, oo_docx, oo_editor):
    """`AuthorizationJwt` (a proxy owns `Authorization`): downloads and header-only callbacks work."""
    onlyoffice_on.reset(header="AuthorizationJwt")
    settings.ONLYOFFICE_JWT_SECRET = onlyoffice_on.secret
    settings.ONLYOFFICE_JWT_HEADER = "AuthorizationJwt"
    _, options = open_page(client, oo_editor, oo_docx)
    key = options["config"]["document"]["key"]
    opened = onlyoffice_on.open(options["config"], str(oo_editor.pk))
    assert opened.ok and opened.fetch_status == 200
    onlyoffice_on.edit(key, str(oo_editor.pk))
    assert onlyoffice_on.forcesave(key, str(oo_editor.pk), misbehave="header_only").ok
    assert versions(oo_docx) == 2
    settings.ONLYOFFICE_JWT_HEADER = "Authorization"  # the sides disagree: the header token is not found
    onlyoffice_on.edit(key, str(oo_editor.pk))
    assert onlyoffice_on.forcesave(key, str(oo_editor.pk), misbehave="header_only").http_status == 403


# --- The download view (document.url) --------------------------------------------------------------------


@pytest.fixture
def doc_url(onlyoffice_on, client, oo_docx, oo_editor):
    _, options = open_page(client, oo_editor, oo_docx)
    client.logout()  # the Document Server has no session
    return options["config"]["document"]["url"]


def _get(client, url, token=None, header="Authorization"):
    path = url.removeprefix(onlyoffice.app_base_url())
    headers = {header: f"Bearer {token}"} if token else {}
    return client.get(path, headers=headers)


def test_download_with_the_ds_token_serves_the_version(onlyoffice_on, client, doc_url):
    token = onlyoffice_on.sign({"payload": {"url": doc_url}})
    response = _get(client, doc_url, token)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_download_without_token_is_refused(client, doc_url):
    assert _get(client, doc_url).status_code == 403


def test_download_with_a_token_for_another_url_is_refused(onlyoffice_on, client, doc_url):
    token = onlyoffice_on.sign({"payload": {"url": doc_url + "x"}})
    assert _get(client, doc_url, token).status_code == 403


def test_download_with_an_expired_token_is_refused(onlyoffice_on, client, doc_url):
    past = int(time.time()) - 3600
    token = jwt.encode(
        {"payload": {"url": doc_url}, "iat": past - 300, "exp": past}, onlyoffice_on.secret, algorithm="HS256"
    )
    assert _get(client, doc_url, token).status_code == 403


def test_download_with_a_wrongly_signed_or_unsigned_token_is_refused(onlyoffice_on, client, doc_url):
    wrong = jwt.encode({"payload": {"url": doc_url}}, "x" * 48, algorithm="HS256")
    assert _get(client, doc_url, wrong).status_code == 403
    header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
    body = jwt.utils.base64url_encode(f'{{"payload":{{"url":"{doc_url}"}}}}'.encode()).decode()
    assert _get(client, doc_url, f"{header}.{body}.").status_code == 403


def test_download_with_a_tampered_capability_is_refused(onlyoffice_on, client, doc_url):
    tampered = doc_url[:-3] + ("A" if doc_url[-3] != "A" else "B") + doc_url[-2:]
    token = onlyoffice_on.sign({"payload": {"url": tampered}})
    assert _get(client, tampered, token).status_code == 403


def test_download_capability_expires(onlyoffice_on, client, doc_url, monkeypatch):
    monkeypatch.setattr(onlyoffice.config, "LINK_MAX_AGE", -1)
    token = onlyoffice_on.sign({"payload": {"url": doc_url}})
    assert _get(client, doc_url, token).status_code == 403
