import datetime

from django import forms
from django.utils.translation import gettext_lazy as _


class MonthField(forms.CharField):
    """A month as « AAAA-MM » (an <input type="month">), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month"})

    def clean(self, value):
        value = super().clean(value)
        try:
            return datetime.datetime.strptime(value.strip(), "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Indiquez le mois sous la forme AAAA-MM.")) from None


class DepositForm(forms.Form):
    period = MonthField(label=_("Mois de paie"), help_text=_("Par exemple 2026-11."))


class LeaverForm(forms.Form):
    registration_number = forms.CharField(label=_("Matricule de l'agent"), max_length=32)
    email = forms.EmailField(label=_("Adresse personnelle de l'agent"))
