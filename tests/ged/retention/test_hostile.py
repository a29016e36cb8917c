"""Hostile values on every /archives/ route and retention API route, as an archivist, a visa, a reader and an
anonymous visitor: never a server error; then the valid request passes."""

import pytest
from django.urls import reverse

from ged.retention.actions import destruction_propose
from ged.retention.models import LegalHold

HOSTILE_FORM = [
    {"reason": "\x00", "start_date": "2026-13-45", "end_date": "0001-01-01"},
    {"reason": "x" * 10_000, "end_date": "9999-12-31"},
    {"rule": "99999999999999999999999", "event_date": "\x00"},
    {"rule": "\u202e💥", "event_date": "1800-01-01", "note": "\x00" * 5, "include_sort": "\x00"},
]


@pytest.fixture
def routes(due_doc, people):
    dlist = destruction_propose(actor=people["archivist"])
    hold = LegalHold.objects.create(
        document=due_doc, reason="r", owner=people["archivist"], start_date="2020-01-01"
    )
    names = [
        ("index", []),
        ("rules", []),
        ("holds", []),
        ("transfers", []),
        ("transfer_export", []),
        ("document", [due_doc.pk]),
        ("classify", [due_doc.pk]),
        ("hold_place", [due_doc.pk]),
        ("hold_release", [hold.pk]),
        ("propose", []),
        ("list", [dlist.pk]),
        ("approve", [dlist.pk]),
        ("execute", [dlist.pk]),
        ("cancel", [dlist.pk]),
        ("slip", [dlist.pk]),
    ]
    return [reverse(f"retention:{n}", args=a) for n, a in names] + [
        reverse(f"retention:{n}", args=[2**63 + 5]) for n, a in names if a
    ]


@pytest.mark.parametrize("role", ["archivist", "approver", "reader", None])
def test_hostile_values_never_500(client, routes, people, role):
    if role:
        client.force_login(people[role])
    for url in routes:
        assert client.get(url).status_code < 500, url
        for body in HOSTILE_FORM:
            assert client.post(url, body).status_code < 500, (url, body)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/retention/holds", {"document": 1, "reason": "\x00\ud800"}),
        ("post", "/api/v1/retention/holds", {"document": 2**62, "reason": "r", "end_date": "9999-01-01"}),
        ("put", "/api/v1/retention/documents/{doc}", {"rule": "\x00", "event_date": "0001-01-01"}),
        ("put", "/api/v1/retention/documents/{doc}", {"rule": "FACT", "event_date": "2020-01-01", "x": 1}),
        ("post", "/api/v1/retention/destruction-lists", {"note": "\x00", "include_sort": True}),
    ],
)
def test_api_hostile_bodies_are_french_refusals(client, due_doc, people, method, path, body):
    client.force_login(people["archivist"])
    response = getattr(client, method)(path.format(doc=due_doc.pk), body, content_type="application/json")
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert isinstance(response.json()["detail"], str)
    else:  # the list proposal: the NUL is dropped from the note, the rest is valid
        assert (response.status_code, path) == (201, "/api/v1/retention/destruction-lists")
