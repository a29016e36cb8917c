"""French elision and contraction of « de » / « à » before the names of places (intranet/french.py)."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from intranet.french import a_name, de_name


@pytest.mark.parametrize(
    ("article", "name", "de", "a"),
    [
        ("l'", "Hôtel Sockeel", "de l'Hôtel Sockeel", "à l'Hôtel Sockeel"),
        ("le", "Siège communautaire", "du Siège communautaire", "au Siège communautaire"),
        ("la", "Maison des services", "de la Maison des services", "à la Maison des services"),
        ("les", "Ateliers", "des Ateliers", "aux Ateliers"),
        ("", "Mairie de Bailleul", "de Mairie de Bailleul", "à Mairie de Bailleul"),
    ],
)
def test_article_contracts_with_the_preposition(article, name, de, a):
    place = SimpleNamespace(name=name, article=article)
    with translation.override("fr"):
        assert de_name(place) == de
        assert a_name(place) == a


def test_other_languages_get_the_name_alone():
    """The English sentence carries its own preposition (« Schedule for … »)."""
    with translation.override("en"):
        assert de_name(SimpleNamespace(name="Siège communautaire", article="le")) == "Siège communautaire"


def test_filters_escape_and_accept_objects_without_article():
    template = Template("{% load french %}{{ a|de_name }} · {{ b|du_name }} · {{ c|a_name }}")
    with translation.override("fr"):
        out = template.render(
            Context(
                {
                    "a": SimpleNamespace(name="<b>X</b>", article="la"),
                    "b": SimpleNamespace(name="Siège", article="le"),
                    "c": "Bibliothèque",
                }
            )
        )
    assert out == "de la &lt;b&gt;X&lt;/b&gt; · du Siège · à Bibliothèque"
