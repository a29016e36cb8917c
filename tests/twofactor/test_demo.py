"""seed_demo enrols the demo staff with the TOTP secrets README.md publishes."""

import io
from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from intranet.twofactor.demo import DEMO_TOTP_SECRETS, seed_demo_second_factor

pytestmark = pytest.mark.django_db


def test_demo_staff_get_the_published_secrets_once(make_user):
    admin = make_user("admin.si", superuser=True)
    editor = make_user("camille.martin", is_staff=True)
    out = io.StringIO()
    seed_demo_second_factor(stdout=out, agents={"admin.si": admin, "camille.martin": editor})
    seed_demo_second_factor(stdout=out, agents={"admin.si": admin, "camille.martin": editor})
    assert TOTPDevice.objects.filter(confirmed=True).count() == 2
    device = TOTPDevice.objects.get(user=admin)
    # What an authenticator app given the README's secret shows is what the server expects.
    app_code = totp(b32decode(DEMO_TOTP_SECRETS["admin.si"]))
    assert device.verify_token(str(app_code).zfill(6))
    assert "MNRWM2JNMRSW23ZNMFSG22LOFZZWSLJR" in out.getvalue()
    with open("README.md", encoding="utf-8") as readme:
        text = readme.read()
    assert all(secret in text for secret in DEMO_TOTP_SECRETS.values())
