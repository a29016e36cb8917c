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


PROPPATCH = (
    '<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="http://example.com/z/">'
    "<D:set><D:prop><Z:etiquette>Confidentiel é</Z:etiquette></D:prop></D:set></D:propertyupdate>"
)
PROPFIND = (
    '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" xmlns:Z="http://example.com/z/">'
    "<D:prop><Z:etiquette/></D:prop></D:propfind>"
)


def test_proppatch_over_http_needs_the_right_to_change_the_document(dav_client, make_user):
    """A reader's PROPPATCH is refused (403 in the 207, nothing stored); a contributor's is stored and read
    back; after a MOVE through DAV the property is found at the new name."""
    from ged.actions import folder_create, grant_set, space_create
    from ged.choices import Role, SpacePolicy

    owner = make_user("proprietaire")
    reader = make_user("lectrice")
    space = space_create(name="Props", slug="props", policy=SpacePolicy.PRIVATE, creator=owner)
    folder = folder_create(parent=space.root, name="Notes", actor=owner)
    grant_set(folder=space.root, role=Role.READER, actor=owner, user=reader, notify_grantee=False)
    document_upload(folder=folder, uploaded_file_or_path=Named(b"texte", "note.txt"), author=owner)
    as_reader, as_owner = dav_client(reader), dav_client(owner)
    path = as_owner.path("props", "Notes", "note.txt")
    headers = {"Content-Type": "text/xml"}

    refused = as_reader.request("PROPPATCH", path, content=PROPPATCH, headers=headers)
    assert refused.status_code == 207 and "HTTP/1.1 403" in refused.text
    assert not DavProperty.objects.exists()
    stored = as_owner.request("PROPPATCH", path, content=PROPPATCH, headers=headers)
    assert stored.status_code == 207 and "HTTP/1.1 200" in stored.text
    assert DavProperty.objects.get().document.title == "note.txt"
    moved = as_owner.request(
        "MOVE", path, headers={"Destination": as_owner.path("props", "Notes", "renommée.txt")}
    )
    assert moved.status_code in (201, 204)
    found = as_owner.propfind(as_owner.path("props", "Notes", "renommée.txt"), "0", content=PROPFIND)
    assert found.status_code == 207 and "Confidentiel é" in found.text
