"""Inline SVG icons instead of emoji (an empty box where no emoji font is installed)."""

import re

import pytest
from django.template import Context, Template

from intranet.templatetags.icons import ICONS, THEME_ICON_CHOICES


def render(source, **context):
    return Template("{% load icons %}" + source).render(Context(context))


@pytest.mark.parametrize("name", sorted(ICONS))
def test_every_icon_is_decorative_svg_by_default(name):
    html = render("{% icon name %}", name=name)
    assert html.startswith(f'<svg class="icon icon--{name}"') and html.endswith("</svg>")
    assert 'aria-hidden="true"' in html and 'focusable="false"' in html and "role=" not in html


def test_a_labelled_icon_is_an_image_with_an_escaped_name():
    html = render('{% icon "check" label=label %}', label='Autorisé <"x">')
    assert 'role="img" aria-label="Autorisé &lt;&quot;x&quot;&gt;"' in html and "aria-hidden" not in html


def test_unknown_or_empty_names_render_nothing():
    assert render("{% icon name %}", name="🚗") == ""
    assert render("{% icon name %}", name="") == ""
    assert render("{% icon name %}", name=None) == ""


def test_theme_choices_are_drawings_not_status_marks():
    names = {name for name, _label in THEME_ICON_CHOICES}
    assert {"people", "euro", "car"} <= names and not names & {"logo", "check", "alert", "cross"}


@pytest.mark.django_db
def test_pages_carry_no_emoji_icons(client, make_user):
    """The header's mark is an SVG; no template draws an emoji as an icon."""
    from pathlib import Path

    client.force_login(make_user())
    html = client.get("/").content.decode()
    assert '<span class="brand__mark"><svg class="icon icon--logo"' in html
    emoji = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u25a0-\u25ff]")
    root = Path(__file__).resolve().parents[1] / "templates"
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.html") if emoji.search(p.read_text())]
    assert offenders == []
