"""R11: a news item's attachment and image (original and rendition) are served only to agents who may open
the news item; anyone else gets the French 404, as for a file that does not exist."""

import json

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def bailleul_news(portal, publish):
    document = get_document_model().objects.create(
        title="Planning des permanences", file=ContentFile(b"%PDF-1.4 planning", name="planning.pdf")
    )
    image = get_image_model().objects.create(
        title="Affiche", file=ContentFile(_png(), name="affiche.png"), width=8, height=8
    )
    page = publish("Permanences à Bailleul", organisations=[portal.bailleul])
    page.body = json.dumps(
        [
            {"type": "image", "value": {"image": image.pk, "decorative": False, "alt_text": "Affiche"}},
            {"type": "document", "value": document.pk},
        ]
    )
    page.save_revision(user=portal.manager).publish(user=portal.manager)
    rendition = image.get_rendition("width-100")
    return [document.url, image.file.url, rendition.url]


def _fetch(client, url):
    response = client.get(url)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return response


def test_agent_outside_the_audience_gets_404_on_attachment_image_and_rendition(
    portal, bailleul_news, client_for
):
    client = client_for(portal.cassel_agent)
    for url in bailleul_news:
        response = _fetch(client, url)
        assert response.status_code == 404, url
        assert "Page introuvable" in response.content.decode()


def test_agent_inside_the_audience_gets_them(portal, bailleul_news, client_for):
    assert bailleul_news[0].startswith("/pieces-jointes/") and bailleul_news[1].startswith("/fichiers/")
    client = client_for(portal.bailleul_agent)
    for url in bailleul_news:
        assert _fetch(client, url).status_code == 200, url


def test_unpublishing_the_only_page_hides_its_files(portal, bailleul_news, client_for, make_user):
    from intranet.news.models import NewsPage

    NewsPage.objects.get(title="Permanences à Bailleul").unpublish()
    client = client_for(portal.bailleul_agent)
    assert all(_fetch(client, url).status_code == 404 for url in bailleul_news)
    # Those who manage the library (here IT) still see every file in it.
    it = client_for(make_user("admin.si", superuser=True))
    assert all(_fetch(it, url).status_code == 200 for url in bailleul_news)
