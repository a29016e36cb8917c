"""Retention fixtures: the example rules, an archivist, a visa of the eliminations, an editor and a reader of
the space, and a document qualified long ago (due), all built through the real actions."""

import datetime

import pytest
from django.contrib.auth.models import Permission

from ged.choices import Role
from ged.retention.actions import record_set
from ged.retention.demo import seed_rules
from ged.retention.models import RetentionRule


@pytest.fixture
def rules(db):
    seed_rules()
    return {r.code: r for r in RetentionRule.objects.all()}


@pytest.fixture
def people(make_user, space, grant):
    people = {
        "archivist": make_user("archiviste", first_name="Armelle", last_name="Archives"),
        "approver": make_user("visa.dgs", first_name="Victor", last_name="Visa"),
        "editor": make_user("editeur", first_name="Éric", last_name="Éditeur"),
        "reader": make_user("lecteur", first_name="Léa", last_name="Lecteur"),
    }
    people["archivist"].user_permissions.add(
        Permission.objects.get(codename="archivist", content_type__app_label="ged_retention")
    )
    people["approver"].user_permissions.add(
        Permission.objects.get(codename="approve_destruction", content_type__app_label="ged_retention")
    )
    grant(space.root, Role.EDITOR, user=people["editor"])
    grant(space.root, Role.READER, user=people["reader"])
    return people


@pytest.fixture
def due_doc(space, upload, rules, people):
    """A bill whose DUA (10 years) passed: to destroy."""
    document, _version = upload(space.root, "Facture 2010.pdf", b"%PDF-1.4 facture")
    record_set(
        document=document,
        rule=rules["FACT"],
        event_date=datetime.date(2010, 12, 31),
        actor=people["archivist"],
    )
    return document


def client_for(client, user):
    client.force_login(user)
    return client
