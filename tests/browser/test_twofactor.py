"""Second factor in Chromium: the verification step and enrolment pages (axe, 390 px), and a passkey
registered then used through Chromium's virtual authenticator (CDP WebAuthn) at http://localhost:PORT, since
browsers refuse WebAuthn on an IP address."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


def _fits_390(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at 390 px: it scrolls sideways"


def test_superuser_types_the_code_then_reaches_both_admins(page, make_user):
    """At 390 px: a wrong code gets a French message, the right one opens /cms/ and /django-admin/."""
    from tests.twofactor.helpers import totp_code, totp_device

    admin = make_user("admin.si", superuser=True)
    device = totp_device(admin)
    page.set_viewport_size(PHONE)
    page.goto("/cms/")
    page.get_by_label("Identifiant").fill("admin.si")
    page.get_by_label("Mot de passe").fill("pw-test-123456")
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/compte/second-facteur/verification/\?next=%2Fcms%2F"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérification en deux étapes")
    assert_accessible(page)
    _fits_390(page)

    page.get_by_label("Code").fill("000000" if totp_code(device) != "000000" else "111111")
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator(".field-error")).to_contain_text("Ce code ne convient pas")
    assert_accessible(page)

    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Vérifier").click()
    expect(page).to_have_url(re.compile(r"/cms/$"))
    page.goto("/django-admin/")
    expect(page.locator("body")).to_contain_text("Administration technique")


def test_agent_enrols_an_app_and_gets_backup_codes(page, login, make_user):
    """Every enrolment page passes axe and fits 390 px; the QR code is inline SVG (no script)."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    agent = make_user("marie.dupont", first_name="Marie", last_name="Dupont")
    login("marie.dupont")
    page.set_viewport_size(PHONE)
    page.goto("/compte/second-facteur/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Second facteur")
    assert_accessible(page)
    _fits_390(page)

    page.get_by_role("link", name="Configurer une application").click()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert_accessible(page)
    _fits_390(page)
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    page.get_by_label("Code affiché par l'application").fill(str(totp(device.bin_key)).zfill(6))
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", name="Vos dix codes de secours")).to_be_visible()
    expect(page.locator(".backup-codes li")).to_have_count(10)
    assert_accessible(page)
    _fits_390(page)


@pytest.fixture
def localhost_page(browser, server_url, settings):
    """A page on http://localhost:PORT (the same server), where WebAuthn works, with a virtual authenticator
    (CTAP2, user verification, resident keys) in place of a security key."""
    origin = server_url.replace("127.0.0.1", "localhost")
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [origin]
    context = browser.new_context(locale="fr-FR", base_url=origin)
    external = []

    def guard(route):
        if route.request.url.startswith((origin, "data:", "blob:")):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield page
    context.close()
    from django.db import connections

    connections.close_all()
    assert not external, f"requests tried to leave the machine: {external}"


def test_passkey_registered_then_used_as_second_factor(localhost_page, make_user):
    from django_otp_webauthn.models import WebAuthnCredential

    from intranet.audit.models import AccessEvent

    page = localhost_page
    make_user("marie.dupont", first_name="Marie", last_name="Dupont")

    def password_step():
        page.goto("/connexion/?next=/annuaire/")
        page.get_by_label("Identifiant").fill("marie.dupont")
        page.get_by_label("Mot de passe").fill("pw-test-123456")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()

    password_step()
    page.goto("/compte/second-facteur/")
    page.get_by_role("button", name="Ajouter une clé d'accès").click()
    expect(page.get_by_text(re.compile("Clé enregistrée le"))).to_be_visible()
    assert WebAuthnCredential.objects.filter(user__username="marie.dupont", confirmed=True).count() == 1
    assert_accessible(page)

    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Se déconnecter").click()
    password_step()
    expect(page).to_have_url(re.compile(r"/compte/second-facteur/verification/"))
    assert_accessible(page)
    page.get_by_role("button", name="Utiliser ma clé d'accès").click()
    expect(page).to_have_url(re.compile(r"/annuaire/$"))
    methods = list(
        AccessEvent.objects.filter(action__in=["twofactor.enrol", "twofactor.verify"])
        .order_by("pk")
        .values_list("action", "extra__method")
    )
    assert methods == [("twofactor.enrol", "passkey"), ("twofactor.verify", "passkey")]
