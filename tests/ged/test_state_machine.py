"""R5: the GED permission rules as a Hypothesis state machine against an oracle (state_machine.py).
Bounded: about two minutes on PostgreSQL (the CI pass that runs it), a smoke run on SQLite."""

import pytest
from django.db import connection
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from ged.choices import ShareRole

from .state_machine import GedMachine, replay


@pytest.fixture
def onlyoffice_settings(settings):
    """The editor page renders its signed config (no Document Server is contacted to render it)."""
    settings.ONLYOFFICE_URL = "http://127.0.0.1:9"
    settings.ONLYOFFICE_INTERNAL_URL = ""
    settings.ONLYOFFICE_JWT_SECRET = "state-machine-secret-0123456789abcdef"
    settings.ONLYOFFICE_APP_URL = "http://testserver"
    return settings


def test_permissions_agree_with_the_oracle_through_every_entry_point(db, onlyoffice_settings):
    postgres = connection.vendor == "postgresql"
    GedMachine.onlyoffice = True
    run_state_machine_as_test(
        GedMachine,
        settings=settings(
            max_examples=6 if postgres else 2,
            stateful_step_count=10 if postgres else 6,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


# Found by the machine while its checks were tried against known leaks (follow notifications sent without the
# recipient's access, a space trash listing every trashed document): docs are, in order, root › A › B of the
# open, private and secret spaces; the private space's A is restricted, agent 0 reads and follows its root.
FOLLOWER_LOSES_ACCESS = [
    ("upload_version", {"d": 3}),  # private B, under the restricted A: the follower hears nothing
    ("restore", {"d": 0}),  # the private root's document, back from the trash
    ("upload_version", {"d": 3}),  # now that document: the follower hears of it
    ("revoke", {"g": 1}),  # agent 0 loses the private root
    ("upload_version", {"d": 3}),  # and hears nothing more
    ("trash", {"d": 4}),  # B's document; agent 2 (editor of A alone) sees it in the trash, nothing else
    ("delete_folder", {"f": 3}),  # B, empty, not restricted: deleted
    ("restore", {"d": 1}),  # B's document goes up into A (restricted): never wider
]


def test_saved_sequence_follower_losing_access_and_restricted_trash(db, onlyoffice_settings):
    replay(FOLLOWER_LOSES_ACCESS, onlyoffice=True)


# A single document shared (issue 12 part 9): private B (under the restricted A) shared with agent 1, no
# member of that space: they read it, follow it, hear of its versions, lose it when the share is taken back;
# shared with the group as « peut modifier », agent 1 edits it online, still after a move into the restricted
# A, until they leave the group.
SHARED_DOCUMENT = [
    ("share_document", {"principal": 1, "d": 3, "role": ShareRole.READER, "take_back": False}),
    ("follow", {"i": 1, "what": 5}),
    ("upload_version", {"d": 3}),
    ("share_document", {"principal": 1, "d": 3, "role": ShareRole.READER, "take_back": True}),
    ("upload_version", {"d": 3}),
    ("share_document", {"principal": 3, "d": 3, "role": ShareRole.EDITOR, "take_back": False}),
    ("move_document", {"d": 3, "f": 4}),
    ("membership", {"i": 1, "add": False}),
]


def test_saved_sequence_shared_document(db, onlyoffice_settings):
    replay(SHARED_DOCUMENT, onlyoffice=True)


def test_payslips_stay_in_their_owners_safe(db):
    """The safe's rule and invariant on a fixed sequence: payslips for two agents, one deactivated between."""
    replay(
        [
            ("deposit_payslip", {"i": 0, "month": 1}),
            ("deposit_payslip", {"i": 1, "month": 1}),
            ("deactivate", {"i": 1}),
            ("deposit_payslip", {"i": 1, "month": 2}),
            ("deposit_payslip", {"i": 2, "month": 3}),
        ]
    )
