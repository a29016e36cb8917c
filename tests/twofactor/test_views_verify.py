"""The verification step after the password: an authenticator app's code or a backup code, throttled like
the password, audited."""

import pytest
from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY

from intranet.audit.models import AccessEvent
from intranet.twofactor import actions
from tests.twofactor.helpers import forget_last_use, totp_code, totp_device

pytestmark = pytest.mark.django_db
VERIFY = "/compte/second-facteur/verification/"


def test_staff_password_login_leads_to_the_verification_step(client, enrolled_staff, password_login):
    """The password alone opens nothing for staff: the next page is the verification step, back after."""
    response = password_login(enrolled_staff, next_url="/annuaire/")
    assert response.status_code == 302
    page = client.get(response["Location"], follow=True)
    assert page.redirect_chain[-1][0] == f"{VERIFY}?next=%2Fannuaire%2F"
    assert "Vérification en deux étapes" in page.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_right_totp_code_verifies_the_session(client, enrolled_staff, password_login):
    """A wrong code is refused in French (400, nothing verified); the right one verifies and goes on."""
    password_login(enrolled_staff)
    device = totp_device(enrolled_staff)
    wrong = client.post(
        VERIFY, {"code": "000000" if totp_code(device) != "000000" else "111111", "next": "/annuaire/"}
    )
    assert wrong.status_code == 400
    assert "Ce code ne convient pas" in wrong.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session

    right = client.post(VERIFY, {"code": totp_code(device), "next": "/annuaire/"})
    assert right.status_code == 302 and right["Location"] == "/annuaire/"
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/annuaire/").status_code == 200
    events = list(
        AccessEvent.objects.filter(action="twofactor.verify").order_by("pk").values_list("result", "extra")
    )
    assert events == [("failure", {"method": "totp"}), ("success", {"method": "totp"})]


def test_a_totp_code_is_accepted_once(client, enrolled_staff, password_login):
    """A code seen over a shoulder cannot open a second session in the same 30 seconds."""
    device = totp_device(enrolled_staff)
    code = totp_code(device)
    password_login(enrolled_staff)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.logout()
    password_login(enrolled_staff)
    replay = client.post(VERIFY, {"code": code})
    assert replay.status_code == 400
    forget_last_use(device)
    assert client.post(VERIFY, {"code": code}).status_code == 302


def test_wrong_codes_lock_the_step_like_wrong_passwords(client, enrolled_staff, password_login):
    """After AXES_FAILURE_LIMIT wrong codes even the right code is refused (429, French); audited."""
    password_login(enrolled_staff)
    device = totp_device(enrolled_staff)
    wrong = "000000" if totp_code(device) != "000000" else "111111"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(VERIFY, {"code": wrong}).status_code == 400
    locked = client.post(VERIFY, {"code": wrong})
    assert locked.status_code == 429
    assert "Trop de codes erronés" in locked.content.decode()
    refused = client.post(VERIFY, {"code": totp_code(device)})
    assert refused.status_code == 429
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert AccessEvent.objects.filter(action="twofactor.locked", result="denied").count() == 1
    actions._reset_failures(enrolled_staff)  # the cool-off is over
    assert client.post(VERIFY, {"code": totp_code(device)}).status_code == 302


@pytest.mark.parametrize(
    "code",
    [
        "",
        "+++",
        "12345",
        "1234567",
        "x" * 41,
        "abc%00def",
        "%ED%A0%80",
        "%EF%BC%91" * 6,
        "%3Cscript%3E",
        "'+OR+1=1",
    ],
    ids=[
        "empty",
        "blank",
        "short",
        "long-digits",
        "too-long",
        "nul",
        "surrogate",
        "fullwidth",
        "html",
        "sql",
    ],
)
def test_hostile_codes_get_a_french_message_never_a_500(client, enrolled_staff, password_login, code):
    """Sent as raw form bodies, as a browser or a script would (lone surrogates cannot be built otherwise)."""
    password_login(enrolled_staff)
    response = client.post(VERIFY, f"code={code}", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.headers["Content-Language"] == "fr"
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_next_outside_the_intranet_is_ignored(client, enrolled_staff, password_login):
    """The step never sends the agent to another site after the code (open redirect)."""
    password_login(enrolled_staff)
    response = client.post(
        VERIFY, {"code": totp_code(totp_device(enrolled_staff)), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_verification_page_query_count(client, enrolled_staff, password_login, django_assert_num_queries):
    """session, user, the enrolment check (TOTP) and the passkey button's check; the layout's host name and
    unread count, and for staff the two permission reads of the admin link."""
    password_login(enrolled_staff)
    with django_assert_num_queries(8):
        assert client.get(VERIFY).status_code == 200


@pytest.mark.parametrize("next_url", ["0001-01-01", "login", "//evil.example/", "javascript:alert(1)"])
def test_next_that_is_no_path_of_ours_goes_home(client, enrolled_staff, password_login, next_url):
    """Found by the route crawler: a bare word was read as a view name by redirect() (a 500)."""
    password_login(enrolled_staff)
    assert client.get(VERIFY, {"next": next_url}).status_code == 200
    response = client.post(VERIFY, {"code": totp_code(totp_device(enrolled_staff)), "next": next_url})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(VERIFY, {"next": next_url})["Location"] == "/"
