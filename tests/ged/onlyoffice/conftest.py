"""OnlyOffice fixtures: one Document Server simulator per test session, reset before each test that uses
it, and a small GED world (a folder, two editors, a reader, a docx with one version) built by real actions."""

import pytest

from ged.choices import Role
from ged.samples import docx_bytes

from .simulator import DocumentServerSimulator, sample_file


@pytest.fixture(scope="session")
def ds_sim():
    """The simulator (real HTTP on 127.0.0.1); `_ds_sim_reset` gives each test a clean one."""
    sim = DocumentServerSimulator()
    yield sim
    sim.stop()


@pytest.fixture(autouse=True)
def _ds_sim_reset(request):
    """New secret, empty logs and sessions, no retry delays, before every test that uses the simulator."""
    if "ds_sim" in request.fixturenames:
        request.getfixturevalue("ds_sim").reset()
    yield


@pytest.fixture
def onlyoffice_on(settings, live_server, ds_sim):
    """The app talks to the simulator and the simulator reaches the app through `live_server`."""
    settings.ONLYOFFICE_URL = ds_sim.url
    settings.ONLYOFFICE_INTERNAL_URL = ""
    settings.ONLYOFFICE_JWT_SECRET = ds_sim.secret
    settings.ONLYOFFICE_JWT_HEADER = ds_sim.header
    settings.ONLYOFFICE_APP_URL = live_server.url
    return ds_sim


@pytest.fixture
def oo_folder(space, subfolder):
    return subfolder(space.root, "Rapports")


@pytest.fixture
def oo_editor(make_user, grant, oo_folder):
    user = make_user("eva.editrice", first_name="Éva", last_name="Éditrice")
    grant(oo_folder, Role.EDITOR, user=user)
    return user


@pytest.fixture
def oo_coeditor(make_user, grant, oo_folder):
    user = make_user("cedric.coauteur", first_name="Cédric", last_name="Coauteur")
    grant(oo_folder, Role.EDITOR, user=user)
    return user


@pytest.fixture
def oo_reader(make_user, grant, oo_folder):
    user = make_user("luc.lecteur", first_name="Luc", last_name="Lecteur")
    grant(oo_folder, Role.READER, user=user)
    return user


@pytest.fixture
def make_office_document(upload, oo_folder, manager):
    """`make_office_document("xlsx", "texte")` -> a live document with one version of a real office file."""

    def make(ext="docx", text="Texte initial du document", title=None, folder=None, author=None):
        name = title or f"Document {ext}.{ext}"
        data = sample_file(ext, text)
        document, _version = upload(folder or oo_folder, name, data, author=author or manager)
        return document

    return make


@pytest.fixture
def oo_docx(upload, oo_folder, manager):
    """« Rapport annuel.docx », one version uploaded by the manager."""
    document, _version = upload(
        oo_folder, "Rapport annuel.docx", docx_bytes(["Rapport annuel", "Texte initial"]), author=manager
    )
    return document
