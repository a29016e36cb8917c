import pytest

# The OIDC client and code flow fixtures, as tests/people/oidc uses them.
from tests.people.oidc.conftest import authorize, exchange, make_application  # noqa: F401
from tests.twofactor.helpers import totp_device

PASSWORD = "pw-test-123456"


@pytest.fixture
def password_login(client):
    """Log in through the login page, as an agent does (no second factor presented yet). Returns the
    response of the password step."""

    def do_login(user, next_url=""):
        data = {"username": user.get_username(), "password": PASSWORD}
        if next_url:
            data["next"] = next_url
        return client.post("/connexion/", data)

    return do_login


@pytest.fixture
def staff(make_user):
    return make_user("camille.martin", first_name="Camille", last_name="Martin", is_staff=True)


@pytest.fixture
def enrolled_staff(staff):
    totp_device(staff)
    return staff


@pytest.fixture
def it_user(make_user):
    return make_user("admin.si", superuser=True)
