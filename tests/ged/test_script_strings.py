"""The scripts' own words come from the page, translated like the templates (issue 19 part 8): the upload
progress and chat labels are data-* attributes rendered with gettext, so an English page gives English
strings, and the scripts themselves hold no interface text."""

import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

LABEL = re.compile(r'(data-[a-z-]*label[a-z-]*|data-one|data-many)="([^"]*)"')


def _labels(html):
    return {name: unescape(value) for name, value in LABEL.findall(html)}


def _english_and_french(client, url):
    french = _labels(client.get(url).content.decode())
    client.cookies["django_language"] = "en"
    english = _labels(client.get(url).content.decode())
    client.cookies["django_language"] = "fr"
    return french, english


def test_upload_labels_follow_the_language(client, manager, space, subfolder):
    folder = subfolder(space.root)
    client.force_login(manager)
    french, english = _english_and_french(client, reverse("ged:folder", args=[folder.pk]))
    wanted = {"data-done-label", "data-sent-label", "data-failed-label", "data-cut-label"}
    assert wanted <= set(french)
    for name in wanted:
        assert english[name] != french[name], name
        with translation.override("en"):
            assert english[name] == translation.gettext(french[name]), name
    assert english["data-done-label"].startswith("Upload") or "upload" in english["data-done-label"].lower()


def test_scripts_hold_no_french_interface_text():
    """Any accented word in a string literal of static/js would be text the page cannot translate."""
    literal = re.compile(r"(\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*')")
    found = []
    for script in sorted(Path(settings.BASE_DIR, "static", "js").glob("*.js")):
        for number, line in enumerate(script.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("//", 1)[0] if not line.lstrip().startswith("//") else ""
            for text in literal.findall(code):
                if re.search(r"[À-ÿ]", text):
                    found.append(f"{script.name}:{number}: {text}")
    assert found == []
