"""The submission page offers the templates for the document's type first (its retention rule, named by
the template's free-text type) and preselects the first of them; the other templates stay offered after
them, and a document without a type gets every template as before."""

import datetime

import pytest

from ged.circuits.actions import template_create
from ged.circuits.choices import StepKind
from ged.circuits.models import Circuit
from ged.circuits.queries import template_fits
from ged.retention.actions import record_set
from ged.retention.demo import seed_rules
from ged.retention.models import RetentionRule

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("document_type", "code", "label", "fits"),
    [
        ("Délibération", "DELIB", "Délibérations du conseil", True),
        ("délibérations", "DELIB", "Délibérations du conseil", True),
        ("DELIB", "DELIB", "Délibérations du conseil", True),
        ("Marché public", "MARCHE", "Marchés publics (pièces non retenues)", True),
        ("Arrêté", "ARRETE", "Arrêtés du président ou du maire", True),
        ("Facture", "DELIB", "Délibérations du conseil", False),
        ("Délibération du bureau", "DELIB", "Délibérations du conseil", False),
        ("", "DELIB", "Délibérations du conseil", False),
    ],
)
def test_a_template_type_fits_a_rule_by_code_or_first_words(document_type, code, label, fits):
    assert template_fits(document_type, code, label) is fits


@pytest.fixture
def templates(desks):
    def make(name, document_type):
        return template_create(
            name=name, document_type=document_type, steps=[{"desk": desks["dgs"], "kind": StepKind.VISA}]
        )

    return {
        "delib": make("Délibération", "Délibération"),
        "bill": make("Facture fournisseur", "Facture"),
        "mail": make("Courrier", ""),
    }


def _options(html: str) -> list[tuple[str, str]]:
    """(optgroup label or "", option text) in page order."""
    import re

    select = html.split('id="circuits-template"')[1].split("</select>")[0]
    out, group = [], ""
    for match in re.finditer(r'<optgroup label="([^"]*)">|<option value="\d+"( selected)?>([^<]*)<', select):
        if match.group(1) is not None:
            group = match.group(1)
        else:
            out.append((group, match.group(3) + (" *" if match.group(2) else "")))
    return out


def test_the_templates_of_the_document_type_come_first_and_preselected(client, doc, people, templates):
    seed_rules()
    record_set(
        document=doc,
        rule=RetentionRule.objects.get(code="DELIB"),
        event_date=datetime.date(2026, 1, 5),
        actor=people["submitter"],
    )
    client.force_login(people["submitter"])
    html = client.get(f"/parapheur/soumettre/{doc.pk}/").content.decode()
    assert "Type du document : Délibérations du conseil." in html
    assert _options(html) == [
        ("Pour ce type de document", "Délibération (Délibération) *"),
        ("Autres modèles", "Courrier"),
        ("Autres modèles", "Facture fournisseur (Facture)"),
    ]
    # Another template may still be chosen: the order is a suggestion, not a restriction.
    response = client.post(f"/parapheur/soumettre/{doc.pk}/", {"template": templates["bill"].pk})
    assert response.status_code == 302 and Circuit.objects.get().template == templates["bill"]


def test_a_document_without_a_type_is_offered_every_template(client, doc, people, templates):
    client.force_login(people["submitter"])
    html = client.get(f"/parapheur/soumettre/{doc.pk}/").content.decode()
    assert "Type du document" not in html and "<optgroup" not in html
    assert _options(html) == [
        ("", "Courrier"),
        ("", "Délibération (Délibération)"),
        ("", "Facture fournisseur (Facture)"),
    ]


def test_a_type_no_template_names_offers_every_template_and_says_so(client, doc, people, templates):
    seed_rules()
    record_set(
        document=doc,
        rule=RetentionRule.objects.get(code="CORR"),
        event_date=datetime.date(2026, 1, 5),
        actor=people["submitter"],
    )
    client.force_login(people["submitter"])
    html = client.get(f"/parapheur/soumettre/{doc.pk}/").content.decode()
    assert "Aucun modèle n'est prévu pour ce type : choisissez parmi les autres." in html
    assert [text for _group, text in _options(html)] == [
        "Courrier",
        "Délibération (Délibération)",
        "Facture fournisseur (Facture)",
    ]
