"""« Applications (SSO) » in the Wagtail admin: IT (superusers) registers clients; nobody else sees them."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from oauth2_provider.models import get_application_model

pytestmark = pytest.mark.django_db

Application = get_application_model()
INDEX = "/cms/applications-sso/"


@pytest.fixture
def it_client(make_user):
    client = Client()
    client.force_login(make_user("admin.si", superuser=True))
    return client


def test_it_registers_a_synapse_client_whose_secret_is_stored_hashed(it_client):
    form = it_client.get(INDEX + "new/")
    assert form.status_code == 200
    html = form.content.decode()
    assert "Copiez ce secret maintenant" in html and "Adresses de retour autorisées" in html
    secret = form.context["form"]["client_secret"].value()
    client_id = form.context["form"]["client_id"].value()
    response = it_client.post(
        INDEX + "new/",
        {
            "name": "Messagerie (Element)",
            "client_id": client_id,
            "client_secret": secret,
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": "https://matrix.ccfi.example/_synapse/client/oidc/callback",
            "post_logout_redirect_uris": "",
            "skip_authorization": "on",
            "algorithm": Application.RS256_ALGORITHM,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    app = Application.objects.get(client_id=client_id)
    assert app.skip_authorization and app.algorithm == "RS256"
    assert app.client_secret != secret and app.client_secret.startswith(("pbkdf2", "argon2", "md5"))
    assert "applications-sso" in it_client.get("/cms/").content.decode()  # in the « Organisation » menu
    listing = it_client.get(INDEX)
    assert listing.status_code == 200 and "Messagerie (Element)" in listing.content.decode()
    edit = it_client.get(f"{INDEX}edit/{app.pk}/")
    assert edit.status_code == 200 and "client_secret" not in edit.context["form"].fields


def test_implicit_or_password_grants_are_not_offered(it_client):
    choices = dict(it_client.get(INDEX + "new/").context["form"].fields["authorization_grant_type"].choices)
    assert list(choices) == [Application.GRANT_AUTHORIZATION_CODE]


def test_editor_with_every_oauth_permission_is_still_refused(make_user):
    """Only superusers: model permissions given by mistake to a web editor open nothing."""
    editor = make_user("redaction", is_staff=True)
    editor.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="oauth2_provider"),
    )
    client = Client()
    client.force_login(editor)
    assert client.get("/cms/").status_code == 200
    response = client.get(INDEX)
    assert response.status_code in (302, 403)
    assert client.get(INDEX + "new/").status_code in (302, 403)
    assert "applications-sso" not in client.get("/cms/").content.decode()


def test_listing_query_count_does_not_grow_with_applications(it_client, django_assert_max_num_queries):
    """The listing's queries are the same for one application or six (no query per row)."""
    from .conftest import REDIRECT_URI

    def add(name):
        Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=REDIRECT_URI,
        )

    add("Messagerie")
    it_client.get(INDEX)
    with django_assert_max_num_queries(30) as one:
        assert it_client.get(INDEX).status_code == 200
    for n in range(5):
        add(f"Outil {n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert it_client.get(INDEX).status_code == 200
