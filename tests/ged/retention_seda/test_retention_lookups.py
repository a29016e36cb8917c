"""The export reads the retention app's rules and active holds: a document's rule (code, event date, final
disposition D -> Destroy) and its legal hold reach the manifest, in two queries for the whole transfer."""

import io
import zipfile
from datetime import date
from xml.etree import ElementTree as ET

import pytest
from django.core.management import call_command

from ged.retention.actions import hold_place, record_set
from ged.retention.models import RetentionRule
from ged.retention.seda.manifest import NS
from ged.retention.seda.rules import retention_lookups

Q = {"s": NS}


@pytest.mark.django_db
def test_rules_and_holds_from_the_retention_tables(documents, manager, tmp_path, django_assert_num_queries):
    rule = RetentionRule.objects.create(
        code="TEST-D", label="Pièces comptables", dua_years=10, start_event="creation", final_disposition="D"
    )
    record_set(document=documents[0], rule=rule, event_date=date(2024, 3, 1), actor=manager)
    hold_place(
        document=documents[1], reason="Contentieux", owner=manager, start_date=date(2025, 6, 2), actor=manager
    )
    with django_assert_num_queries(2):
        rule_for, hold_for = retention_lookups([d.pk for d in documents])
    assert rule_for(documents[0]) == ("TEST-D", date(2024, 3, 1), "Destroy")
    assert hold_for(documents[1]) == ("Contentieux", date(2025, 6, 2))
    assert rule_for(documents[2]) is None and hold_for(documents[0]) is None

    target = tmp_path / "transfert.zip"
    ids = ",".join(str(d.pk) for d in documents)
    call_command("seda_export", "--documents", ids, "--output", str(target), stdout=io.StringIO())
    root = ET.fromstring(zipfile.ZipFile(target).read("manifest.xml"))
    units = {u.find("s:Content/s:Title", Q).text: u for u in root.iter(f"{{{NS}}}ArchiveUnit")}
    appraisal = units[documents[0].title].find("s:Management/s:AppraisalRule", Q)
    assert appraisal.find("s:Rule", Q).text == "TEST-D"
    assert appraisal.find("s:FinalAction", Q).text == "Destroy"
    assert units[documents[1].title].find("s:Management/s:HoldRule/s:HoldReason", Q).text == "Contentieux"
