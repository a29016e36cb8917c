import datetime

from django import forms
from django.utils.translation import gettext_lazy as _


class MonthField(forms.CharField):
    """A month as « AAAA-MM » (an <input type="month">), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month"})
    default_error_messages = {
        "null_characters_not_allowed": _("Indiquez le mois sous la forme AAAA-MM."),
    }

    def clean(self, value):
        value = super().clean(value)
        try:
            return datetime.datetime.strptime(value.strip(), "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Indiquez le mois sous la forme AAAA-MM.")) from None


class RegistrationNumberField(forms.CharField):
    """A registration number typed by HR, checked before it reaches a lookup: a NUL is a 500 on PostgreSQL,
    and no number is longer than the column (32). Letters are allowed: PAYSLIPS_MATRICULE_REGEX decides what
    a number looks like, and one that matches no agent is answered by the view."""

    default_error_messages = {
        "required": _("Saisissez le matricule de l'agent."),
        "max_length": _("Un matricule a 32 caractères au plus : vérifiez celui que vous avez saisi."),
        "null_characters_not_allowed": _(
            "Le matricule contient un caractère invalide : saisissez-le de nouveau, au clavier."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)


class DepositForm(forms.Form):
    period = MonthField(label=_("Mois de paie"), help_text=_("Par exemple 2026-11."))


class LeaverForm(forms.Form):
    registration_number = RegistrationNumberField(label=_("Matricule de l'agent"))
    # 254: the column's length (LeaverLink.email); the form field's default (320) would pass an address the
    # database then refuses (a 500 on PostgreSQL).
    email = forms.EmailField(
        label=_("Adresse personnelle de l'agent"),
        max_length=254,
        error_messages={
            "max_length": _("Cette adresse est trop longue (254 caractères au plus) : vérifiez-la."),
            "null_characters_not_allowed": _(
                "L'adresse contient un caractère invalide : saisissez-la de nouveau, au clavier."
            ),
        },
    )


class QuarantineAssignForm(forms.Form):
    registration_number = RegistrationNumberField(label=_("Matricule de l'agent à qui remettre cette page"))
