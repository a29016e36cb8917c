"""Forms of « Qui est là ? »: they only parse input; `presence_actions` validates and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import AbsenceVisibility, Weekday

OFFICE, REMOTE, OFF = "bureau", "teletravail", "non"
DAY_CHOICES = [(OFFICE, _("Au bureau")), (REMOTE, _("En télétravail")), (OFF, _("Ne travaille pas"))]


class PatternForm(forms.Form):
    """One choice per weekday: office, remote, or not working."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        office, remote = set(user.office_days or []), set(user.remote_days or [])
        for day in Weekday:
            initial = OFFICE if day.value in office else REMOTE if day.value in remote else OFF
            self.fields[f"jour_{day.value}"] = forms.ChoiceField(
                label=str(day.label).capitalize(),
                choices=DAY_CHOICES,
                initial=initial,
                widget=forms.RadioSelect,
            )

    def days(self) -> tuple[list[int], list[int]]:
        office = [d.value for d in Weekday if self.cleaned_data[f"jour_{d.value}"] == OFFICE]
        remote = [d.value for d in Weekday if self.cleaned_data[f"jour_{d.value}"] == REMOTE]
        return office, remote


class AbsenceForm(forms.Form):
    start = forms.DateField(label=_("Premier jour"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Dernier jour (inclus)"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("Motif (facultatif)"),
        required=False,
        max_length=100,
        help_text=_(
            "Pour vous seul·e : vos collègues ne le voient jamais, ni sur le site ni dans les agendas."
        ),
    )
    visibility = forms.ChoiceField(
        label=_("Ce que voient vos collègues"),
        choices=AbsenceVisibility.choices,
        initial=AbsenceVisibility.DATES,
        widget=forms.RadioSelect,
    )
