"""ged.webdav.props: dead properties keyed by document and folder (they follow a move, a copy gets them, a
delete removes them) and read once per folder inside a request."""

import pytest

from ged.actions import document_move, document_update, document_upload
from ged.models import DavProperty
from ged.webdav.locks import DavRequestScope, ref_urls
from ged.webdav.props import GedPropertyManager
from tests.ged.conftest import Named

NS = "{http://example.com/neon/litmus/}"


@pytest.fixture
def upload(manager):
    """The GED's upload action, without its on-commit work (text extraction is not under test here)."""

    def do(folder, name, data):
        return document_upload(folder=folder, uploaded_file_or_path=Named(data, name), author=manager)

    return do


@pytest.fixture
def pm(db):
    return GedPropertyManager()


@pytest.fixture
def doc(space, subfolder, upload):
    return upload(subfolder(space.root, "Notes"), "Été.txt", b"v1")[0]


def _url(document):
    return ref_urls(documents=[document])[("document", document.pk)]


def test_write_read_remove(pm, doc):
    url = _url(doc)
    pm.write_property(url, NS + "couleur", b"<ns0:couleur xmlns:ns0='x'>bleu</ns0:couleur>")
    pm.write_property(url, NS + "couleur", b"<ns0:couleur xmlns:ns0='x'>vert \xc3\xa9</ns0:couleur>")
    assert pm.get_properties(url) == [NS + "couleur"]
    assert "vert é" in pm.get_property(url, NS + "couleur").decode()
    assert DavProperty.objects.get().document == doc
    pm.remove_property(url, NS + "absente")  # not an error
    pm.remove_property(url, NS + "couleur")
    assert pm.get_properties(url) == []


def test_dry_run_and_unknown_url_store_nothing(pm, doc):
    pm.write_property(_url(doc), NS + "a", b"<a/>", dry_run=True)
    pm.write_property("/rh/Notes/inconnu.txt", NS + "a", b"<a/>")
    assert not DavProperty.objects.exists()


def test_properties_follow_a_rename_and_a_move(pm, doc, space, subfolder, manager):
    pm.write_property(_url(doc), NS + "a", b"<a>1</a>")
    document_update(document=doc, actor=manager, title="Hiver.txt")
    document_move(document=doc, target=subfolder(space.root, "Archives"), actor=manager)
    url = _url(doc)
    assert url == "/rh/Archives/Hiver.txt"
    assert pm.get_property(url, NS + "a") == b"<a>1</a>"
    pm.move_properties("/rh/Notes/%C3%89t%C3%A9.txt", url, False)  # the provider's call: nothing to do
    assert pm.get_property(url, NS + "a") == b"<a>1</a>"


def test_copy_replaces_the_destination_properties(pm, doc, upload):
    other = upload(doc.folder, "Copie.txt", b"v1")[0]
    pm.write_property(_url(doc), NS + "a", b"<a>1</a>")
    pm.write_property(_url(other), NS + "b", b"<b>2</b>")
    pm.copy_properties(_url(doc), _url(other))
    assert pm.get_properties(_url(other)) == [NS + "a"]
    assert pm.get_properties(_url(doc)) == [NS + "a"]


def test_folder_properties_and_removal(pm, doc):
    folder_url = ref_urls(folders=[doc.folder])[("folder", doc.folder.pk)]
    pm.write_property(folder_url + "/", NS + "f", b"<f/>")
    assert DavProperty.objects.get().folder == doc.folder
    assert pm.get_properties(folder_url) == [NS + "f"]
    pm.remove_properties(folder_url)
    assert not DavProperty.objects.exists()


def test_reads_are_per_folder_inside_a_request(pm, space, subfolder, upload, django_assert_num_queries):
    """allprop PROPFIND asks each member for its properties: one folder's worth of queries, any size."""
    folder = subfolder(space.root, "Gros")
    docs = [upload(folder, f"f{i}.txt", f"{i}".encode())[0] for i in range(8)]
    for d in docs[:3]:
        pm.write_property(_url(d), NS + "n", b"<n/>")
    urls = [_url(d) for d in docs]
    counts = []

    def app(environ, start_response):
        # resolve the folder (space + one level) then its documents, subfolders and their properties
        with django_assert_num_queries(5):
            for url in urls:
                counts.append(len(pm.get_properties(url)))
        return []

    list(DavRequestScope(app)({}, None))
    assert sum(counts) == 3
