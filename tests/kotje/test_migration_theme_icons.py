"""Migration kotje 0002: the themes' emoji become SVG icon names; anything unknown is cleared; reversible."""

import importlib

import pytest
from django.apps import apps

from kotje.models import ThemePage

pytestmark = pytest.mark.django_db

migration = importlib.import_module("kotje.migrations.0002_theme_icon_svg")


def test_emoji_become_icon_names_and_back(kotje):
    themes = list(ThemePage.objects.order_by("pk"))
    assert themes
    ThemePage.objects.filter(pk=themes[0].pk).update(icon="🧑‍💼")
    ThemePage.objects.exclude(pk=themes[0].pk).update(icon="🦄")
    migration.to_icons(apps, None)
    icons = dict(ThemePage.objects.values_list("pk", "icon"))
    assert icons[themes[0].pk] == "people"
    assert all(icons[t.pk] == "" for t in themes[1:])
    migration.to_emoji(apps, None)
    assert ThemePage.objects.get(pk=themes[0].pk).icon == "🧑‍💼"
