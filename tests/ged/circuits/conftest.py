"""Circuit fixtures: a space with one document, a « Direction des finances » desk of three agents, a « DGS »
desk of one, a deputy, all readers of the space; built through the real actions."""

import pytest

from ged.choices import Role
from ged.circuits.actions import circuit_submit, desk_create, template_create
from ged.circuits.choices import StepKind, StepMode


@pytest.fixture
def people(make_user):
    return {
        "submitter": make_user("sophie.depot", first_name="Sophie", last_name="Dépôt"),
        "dgs": make_user("jerome.dgs", first_name="Jérôme", last_name="Vandenbroucke"),
        "fin1": make_user("olivier.fin", first_name="Olivier", last_name="Vanhove"),
        "fin2": make_user("sandrine.fin", first_name="Sandrine", last_name="Caron"),
        "fin3": make_user("paul.fin", first_name="Paul", last_name="Lemaire"),
        "deputy": make_user("vp.adjoint", first_name="Valérie", last_name="Adjointe"),
        "outsider": make_user("intrus", first_name="Ivan", last_name="Trus"),
    }


@pytest.fixture
def desks(people):
    return {
        "dgs": desk_create(name="DGS", members=[people["dgs"]]),
        "fin": desk_create(
            name="Direction des finances", members=[people["fin1"], people["fin2"], people["fin3"]]
        ),
    }


@pytest.fixture
def doc(space, upload, grant, people):
    for key in ("submitter", "dgs", "fin1", "fin2", "fin3", "deputy"):
        grant(space.root, Role.CONTRIBUTOR if key == "submitter" else Role.READER, user=people[key])
    document, _version = upload(space.root, "Délibération budget.pdf", b"%PDF-1.4 budget primitif")
    return document


@pytest.fixture
def template(desks):
    return template_create(
        name="Délibération",
        document_type="Délibération",
        steps=[
            {
                "desk": desks["fin"],
                "kind": StepKind.VISA,
                "mode": StepMode.QUORUM,
                "quorum": 2,
                "deadline_days": 3,
            },
            {"desk": desks["dgs"], "kind": StepKind.SIGNATURE, "mode": StepMode.ONE, "deadline_days": 5},
        ],
    )


@pytest.fixture
def submit(doc, template, people, django_capture_on_commit_callbacks):
    def do(document=None, submitter=None, tpl=None):
        document = document or doc
        document.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            return circuit_submit(
                document=document,
                version=document.current_version,
                template=tpl or template,
                submitter=submitter or people["submitter"],
            )

    return do
