"""GED fixtures: spaces, folders and documents built through the real actions."""

import io

import pytest
from django.contrib.auth.models import Group

from ged.actions import document_upload, folder_create, grant_set, space_create
from ged.choices import Role, SpacePolicy


class Named(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


@pytest.fixture(autouse=True)
def _ged_media(settings, tmp_path):
    """Each test gets its own blob store."""
    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    settings.GED_STORAGE_ALIAS = ""
    settings.GED_ACCEL_REDIRECT_PREFIX = ""


@pytest.fixture
def manager(make_user):
    return make_user("gestionnaire", first_name="Gaëlle", last_name="Gestion")


@pytest.fixture
def space(manager):
    return space_create(name="Ressources humaines", slug="rh", policy=SpacePolicy.PRIVATE, creator=manager)


@pytest.fixture
def make_space(manager):
    counter = {"n": 0}

    def factory(policy=SpacePolicy.PRIVATE, creator=None):
        counter["n"] += 1
        return space_create(
            name=f"Espace {counter['n']}",
            slug=f"espace-{counter['n']}",
            policy=policy,
            creator=creator or manager,
        )

    return factory


@pytest.fixture
def upload(manager, django_capture_on_commit_callbacks):
    """Upload through the real action; on-commit work (text "
    "extraction) runs as if the transaction committed."""

    def do(folder, name="note.txt", data=b"Bonjour le monde", author=None, **kw):
        with django_capture_on_commit_callbacks(execute=True):
            result = document_upload(
                folder=folder, uploaded_file_or_path=Named(data, name), author=author or manager, **kw
            )
        return result

    return do


@pytest.fixture
def subfolder(manager):
    def do(parent, name="Dossier"):
        return folder_create(parent=parent, name=name, actor=manager)

    return do


@pytest.fixture
def grant(manager):
    def do(folder, role, user=None, group=None):
        return grant_set(
            folder=folder, role=Role(role), actor=manager, user=user, group=group, notify_grantee=False
        )

    return do


@pytest.fixture
def make_group(db):
    def do(name, *users):
        group = Group.objects.create(name=name)
        for u in users:
            u.groups.add(group)
        return group

    return do
