"""Short dates for lists: « 1 nov. », « lun. 2 nov. », « 1 nov., 14:30 » in French, « 1 Nov », « Mon 2 Nov »,
« 1 Nov, 14:30 » in English. The year is added only when it is not the current one (« 1 nov. 2025 »).
Full dates (« 1 novembre 2026 ») stay for pages about one thing (a news page, a booking); lists use these.

`{{ d|short_date }}`, `{{ d|short_date:"weekday" }}`, `{{ d|short_datetime }}`. Aware datetimes are shown
in the current time zone, like Django's own `date` filter."""

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language

register = template.Library()


def _french() -> bool:
    return (get_language() or "fr").split("-")[0] == "fr"


def _day(value: date, weekday: bool) -> str:
    # Django's « N » gives French « nov. », « mars », « juil. » (abbreviated with the period, whole when
    # short); in English « M » gives « Nov » (British usage, no period).
    text = date_format(value, "j N" if _french() else "j M")
    if value.year != timezone.localdate().year:
        text = f"{text} {value.year}"
    if weekday:
        text = (f"{date_format(value, 'D')}. " if _french() else f"{date_format(value, 'D')} ") + text
    return text


@register.filter(expects_localtime=True)
def short_date(value, arg=""):
    if not isinstance(value, date):
        return ""
    return _day(value, weekday=arg == "weekday")


@register.filter(expects_localtime=True)
def short_datetime(value, arg=""):
    if not isinstance(value, datetime):
        return short_date(value, arg)
    return f"{_day(value, weekday=arg == 'weekday')}, {date_format(value, 'H:i')}"
