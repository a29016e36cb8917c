"""Files attached to a guide download for the agents who may read the guide, with an audit event."""

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from intranet.audit.models import AccessEvent
from kotje.models import GuideAttachment

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(db):
    from wagtail.models import Collection

    # Transactional tests (the browser's) empty every table, the root collection of Wagtail's migrations too.
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    doc = get_document_model()(title="Formulaire de congé")
    doc.file.save("formulaire-conge.pdf", ContentFile(b"%PDF-1.4 demo"), save=False)
    doc.save()
    return doc


def test_attachment_downloads_with_audit(client, kotje, document):
    GuideAttachment.objects.create(page=kotje.conge, document=document, label="Le formulaire")
    client.force_login(kotje.cassel_agent)
    html = client.get("/kotje/rh/poser-un-conge/").content.decode()
    url = f"/kotje/pieces-jointes/{kotje.conge.pk}/{document.pk}/"
    assert f'href="{url}">Le formulaire</a>' in html
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 demo"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AccessEvent.objects.get(action="kotje.attachment.download")
    assert event.actor == kotje.cassel_agent and event.object_id == str(document.pk)


def test_document_not_attached_to_the_guide_is_404(client, kotje, document):
    client.force_login(kotje.cassel_agent)
    assert client.get(f"/kotje/pieces-jointes/{kotje.conge.pk}/{document.pk}/").status_code == 404


def test_attachment_of_guide_not_addressed_is_404(client, kotje, document):
    GuideAttachment.objects.create(page=kotje.bailleul_only, document=document)
    client.force_login(kotje.cassel_agent)
    url = f"/kotje/pieces-jointes/{kotje.bailleul_only.pk}/{document.pk}/"
    assert client.get(url).status_code == 404
    client.force_login(kotje.bailleul_agent)
    assert client.get(url).status_code == 200


def test_step_attachment_downloads(client, kotje, document):
    kotje.conge.steps = [
        ("step", {"title": "Remplir", "text": "<p>Le formulaire.</p>", "attachment": document})
    ]
    kotje.conge.save()
    client.force_login(kotje.cassel_agent)
    url = f"/kotje/pieces-jointes/{kotje.conge.pk}/{document.pk}/"
    assert url in client.get("/kotje/rh/poser-un-conge/").content.decode()
    assert client.get(url).status_code == 200


def test_attachment_through_nginx_in_production(client, kotje, document, settings):
    """With SENDFILE_NGINX_PREFIX (production), nginx sends the bytes of the permitted file."""
    settings.SENDFILE_NGINX_PREFIX = "/_protected/"
    GuideAttachment.objects.create(page=kotje.conge, document=document)
    client.force_login(kotje.cassel_agent)
    response = client.get(f"/kotje/pieces-jointes/{kotje.conge.pk}/{document.pk}/")
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_protected/{document.file.name}"
    assert f'filename="{document.filename}"' in response["Content-Disposition"]


def test_async_chunks_stream_the_whole_file(document):
    """Under ASGI the file is read in chunks of 64 KiB, never whole."""
    import asyncio

    from kotje import views

    big = b"x" * (views.CHUNK * 2 + 10)
    document.file.save("gros.pdf", ContentFile(big), save=True)

    async def collect():
        return [chunk async for chunk in views._async_chunks(document.file)]

    chunks = asyncio.run(collect())
    assert b"".join(chunks) == big and len(chunks) == 3
