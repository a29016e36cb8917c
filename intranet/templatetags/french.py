"""`{{ site|de_name }}` → « du Siège communautaire », « de l'Hôtel Sockeel », « de la Maison des services »,
« des Ateliers »; `{{ room|a_name }}` → « au Petit salon ». See intranet/french.py. Autoescaped like any
value (the result is a plain string)."""

from django import template

from intranet import french

register = template.Library()


@register.filter
def de_name(obj):
    return french.de_name(obj)


# « du … » reads better at some call sites; same contraction (de + le = du).
register.filter("du_name", de_name)


@register.filter
def a_name(obj):
    return french.a_name(obj)
