"""French articles before the names of places: « Planning de l'Hôtel Sockeel », « Salles du Siège
communautaire », « Réserver au Petit salon ». The article belongs to the name (« la Maison des services »,
« les Ateliers », none for « Mairie de Bailleul » written as a title), so a model that shows its name after
« de » or « à » stores it in an `article` field (`ArticleField`); the template filters `de_name` and
`a_name` (intranet/templatetags/french.py) contract it. In other languages the name is returned alone: the
translated sentence carries its own preposition (« Schedule of {{ name }} »)."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Article(models.TextChoices):
    NONE = "", _("aucun (« de Mairie de Bailleul »)")
    LE = "le", _("le (« du Siège communautaire »)")
    LA = "la", _("la (« de la Maison des services »)")
    L = "l'", _("l' (« de l'Hôtel Sockeel »)")
    LES = "les", _("les (« des Ateliers »)")


# de + le = du, de + les = des; à + le = au, à + les = aux; la and l' never contract.
_CONTRACTED = {
    "de": {"": "de ", "le": "du ", "la": "de la ", "l'": "de l'", "les": "des "},
    "à": {"": "à ", "le": "au ", "la": "à la ", "l'": "à l'", "les": "aux "},
}


def ArticleField():  # noqa: N802 - reads as a field class in model bodies
    return models.CharField(
        _("article"),
        max_length=3,
        choices=Article.choices,
        default=Article.NONE,
        blank=True,
        help_text=_("L'article devant le nom, pour écrire « Planning du Siège » ou « de l'Hôtel Sockeel »."),
    )


def _is_french() -> bool:
    return (get_language() or "fr").split("-")[0] == "fr"


def with_preposition(preposition: str, name: str, article: str = "") -> str:
    """« de » or « à » followed by the name with its article contracted. Outside French: the name alone."""
    if not _is_french():
        return name
    forms = _CONTRACTED[preposition]
    return forms.get(article or "", forms[""]) + name


def de_name(obj) -> str:
    return with_preposition("de", str(getattr(obj, "name", obj)), getattr(obj, "article", ""))


def a_name(obj) -> str:
    return with_preposition("à", str(getattr(obj, "name", obj)), getattr(obj, "article", ""))
