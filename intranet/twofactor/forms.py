from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Les 6 chiffres affichés par votre application, ou l'un de vos codes de secours."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={"required": _("Saisissez le code."), "max_length": _("Ce code est trop long.")},
    )


class TotpConfirmForm(forms.Form):
    code = forms.RegexField(
        label=_("Code affiché par l'application"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        help_text=_("6 chiffres, renouvelés toutes les 30 secondes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={
            "required": _("Saisissez le code à 6 chiffres affiché par l'application."),
            "invalid": _("Le code est fait de 6 chiffres : recopiez-le tel que l'application l'affiche."),
        },
    )


class ResetForm(forms.Form):
    username = forms.CharField(label=_("Identifiant de l'agent"), max_length=150)
    reason = forms.CharField(
        label=_("Motif"),
        max_length=300,
        help_text=_(
            "Par exemple « téléphone perdu, identité vérifiée au guichet ». Conservé au journal d'accès."
        ),
        error_messages={"required": _("Indiquez le motif : il est conservé au journal d'accès.")},
    )
