"""Chat's script labels are data-* attributes rendered with gettext: an English salon page gives English
labels (issue 19 part 8)."""

import re
from html import unescape

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LABEL = re.compile(r'(data-label-[a-z-]+)="([^"]*)"')


def _labels(client, url):
    return {name: unescape(value) for name, value in LABEL.findall(client.get(url).content.decode())}


def test_chat_labels_follow_the_language(client, agent, project_salon):
    client.force_login(agent)
    url = reverse("chat:salon", args=[project_salon.pk])
    french = _labels(client, url)
    client.cookies["django_language"] = "en"
    english = _labels(client, url)
    chat_labels = set(french)
    assert {"data-label-reply", "data-label-deleted", "data-label-confirm"} <= chat_labels
    for name in chat_labels:
        assert english[name] != french[name], name
