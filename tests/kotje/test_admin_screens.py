"""The admin screens editors use for Kotje open (page editor with attachments and steps, tasks snippets)."""

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from kotje.models import GuideAttachment

pytestmark = pytest.mark.django_db


def test_admin_screens_open(client, kotje, make_user):
    from wagtail.models import Collection

    if Collection.get_first_root_node() is None:  # emptied by a transactional test of a reused database
        Collection.add_root(name="Root")
    doc = get_document_model()(title="Formulaire")
    doc.file.save("formulaire.pdf", ContentFile(b"%PDF-1.4"), save=False)
    doc.save()
    GuideAttachment.objects.create(page=kotje.conge, document=doc)
    client.force_login(make_user("admin.si", superuser=True))
    for url in [
        f"/cms/pages/{kotje.conge.pk}/edit/",
        f"/cms/pages/{kotje.ged.pk}/edit/",
        f"/cms/pages/{kotje.theme.pk}/",
        "/cms/snippets/kotje/task/",
        f"/cms/pages/{kotje.conge.pk}/edit/preview/",
    ]:
        assert client.get(url).status_code == 200, url
