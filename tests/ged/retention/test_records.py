"""A document's type and due date: set by an editor or an archivist (web, API), refused in French for an
unknown rule, a future date or a reader; shown on the GED document page."""

import datetime

from django.urls import reverse

from ged.retention.models import DocumentRecord, add_years


def test_due_date_is_event_plus_dua(client, space, upload, people, rules):
    document, _v = upload(space.root, "Délibération.pdf", b"%PDF-1.4 delib")
    client.force_login(people["editor"])
    response = client.put(
        f"/api/v1/retention/documents/{document.pk}",
        {"rule": "DELIB", "event_date": "2012-02-29"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["due_date"] == "2022-02-28"
    assert add_years(datetime.date(2020, 5, 4), 10) == datetime.date(2030, 5, 4)


def test_unknown_rule_and_future_date_are_refused(client, space, upload, people, rules):
    document, _v = upload(space.root, "Note.txt", b"x")
    client.force_login(people["editor"])
    url = f"/api/v1/retention/documents/{document.pk}"
    response = client.put(url, {"rule": "NOPE", "event_date": "2020-01-01"}, content_type="application/json")
    assert response.status_code == 400
    assert "règle" in response.json()["detail"]
    response = client.put(url, {"rule": "CORR", "event_date": "2999-01-01"}, content_type="application/json")
    assert response.status_code == 400
    assert "futur" in response.json()["detail"]
    assert not DocumentRecord.objects.exists()
    response = client.put(url, {"rule": "CORR", "event_date": "2020-01-01"}, content_type="application/json")
    assert response.status_code == 200


def test_reader_cannot_classify(client, space, upload, people, rules):
    document, _v = upload(space.root, "Note.txt", b"x")
    client.force_login(people["reader"])
    response = client.put(
        f"/api/v1/retention/documents/{document.pk}",
        {"rule": "CORR", "event_date": "2020-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert client.get(f"/api/v1/retention/documents/{document.pk}").status_code == 200
    response = client.post(
        reverse("retention:classify", args=[document.pk]),
        {"rule": rules["CORR"].pk, "event_date": "2020-01-01"},
    )
    assert response.status_code == 404
    assert not DocumentRecord.objects.exists()


def test_web_form_sets_type_and_document_page_shows_it(client, space, upload, people, rules):
    document, _v = upload(space.root, "Mandat.pdf", b"%PDF-1.4 mandat")
    client.force_login(people["editor"])
    response = client.post(
        reverse("retention:classify", args=[document.pk]),
        {"rule": rules["FACT"].pk, "event_date": "2015-12-31"},
        follow=True,
    )
    assert response.status_code == 200
    assert DocumentRecord.objects.get(document=document).due_date == datetime.date(2025, 12, 31)
    page = client.get(reverse("ged:document", args=[document.pk])).content.decode()
    assert "FACT" in page
    response = client.post(
        reverse("retention:classify", args=[document.pk]),
        {"rule": rules["FACT"].pk, "event_date": "pas une date"},
    )
    assert response.status_code == 302


def test_outsider_gets_404_on_the_document_page(client, make_user, space, upload, rules):
    document, _v = upload(space.root, "Note.txt", b"x")
    client.force_login(make_user("dehors"))
    assert client.get(reverse("retention:document", args=[document.pk])).status_code == 404
    assert client.get(f"/api/v1/retention/documents/{document.pk}").status_code == 404


def test_rules_page_and_api_list_examples(client, people, rules):
    client.force_login(people["reader"])
    page = client.get(reverse("retention:rules")).content.decode()
    assert "à valider par l&#x27;archiviste" in page or "à valider par l'archiviste" in page
    codes = [r["code"] for r in client.get("/api/v1/retention/rules").json()]
    assert "DELIB" in codes and "FACT" in codes


def test_changing_a_rules_dua_in_the_admin_recomputes_the_due_dates(
    client, space, upload, people, rules, make_user
):
    """The archivist edits a rule's DUA in the admin: the documents of that type get their due date again from
    their own event date (29 February included)."""
    from ged.retention.actions import record_set

    document, _v = upload(space.root, "Délibération.pdf", b"%PDF-1.4 delib")
    rule = rules["DELIB"]
    record_set(document=document, rule=rule, event_date=datetime.date(2012, 2, 29), actor=people["editor"])
    admin = make_user(superuser=True)
    client.force_login(admin)
    url = reverse("admin:ged_retention_retentionrule_change", args=[rule.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("on" if v is True else "" if v in (False, None) else v) for k, v in data.items()}
    data["dua_years"] = rule.dua_years + 1
    response = client.post(url, data)
    assert response.status_code == 302, response.content
    record = DocumentRecord.objects.get(document=document)
    assert record.due_date == add_years(datetime.date(2012, 2, 29), rule.dua_years + 1)
