"""/fichiers/…: Wagtail page images for those who may see them, nothing else under MEDIA_ROOT."""

from pathlib import Path

import pytest
from django.conf import settings

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def stored_files():
    root = Path(settings.MEDIA_ROOT)
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "ged").mkdir(parents=True, exist_ok=True)
    (root / "images" / "affiche.width-400.png").write_bytes(PNG)
    (root / "images" / "page.html").write_bytes(b"<script>alert(1)</script>")
    (root / "ged" / "secret.png").write_bytes(PNG)
    return root


def test_a_file_no_page_uses_is_404_for_an_agent(agent_client, stored_files):
    """Only files of pages the agent may open are served (tests/news/test_page_files_audience.py)."""
    response = agent_client.get("/fichiers/images/affiche.width-400.png")
    assert response.status_code == 404


def test_it_gets_an_image_of_the_library(client, make_user, stored_files):
    from wagtail.images import get_image_model

    image = get_image_model().objects.create(
        title="Affiche", file="original_images/affiche.png", width=1, height=1
    )
    (stored_files / "original_images").mkdir(exist_ok=True)
    (stored_files / "original_images" / "affiche.png").write_bytes(PNG)
    client.force_login(make_user("admin.si", superuser=True))
    response = client.get(image.file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


def test_anonymous_visitor_is_sent_to_the_login_page(client, stored_files):
    response = client.get("/fichiers/images/affiche.width-400.png")
    assert response.status_code == 302 and "/connexion/" in response["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "ged/secret.png",  # another app's files: never through MEDIA_URL
        "images/page.html",  # not an image
        "images/../ged/secret.png",
        "images/%2e%2e/ged/secret.png",
        "images/absent.png",
    ],
)
def test_anything_else_is_404(agent_client, stored_files, path):
    assert agent_client.get(f"/fichiers/{path}").status_code == 404
