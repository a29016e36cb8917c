from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Identifiant"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    remember_me = forms.BooleanField(
        label=_("Rester connecté·e sur cet appareil"),
        required=False,
        initial=False,
        help_text=_("À ne cocher que sur un poste qui vous est personnel."),
    )

    error_messages = {
        "invalid_login": _(
            "Identifiant ou mot de passe incorrect. Vérifiez la saisie (majuscules, clavier) et réessayez ; "
            "après plusieurs échecs, le compte est bloqué quelques minutes."
        ),
        "inactive": _("Ce compte est désactivé. Adressez-vous au service Systèmes d'information."),
        "directory_unreachable": _(
            "L'annuaire est injoignable : la connexion avec votre compte habituel est impossible pour "
            "l'instant. Réessayez dans quelques minutes ; les comptes locaux fonctionnent."
        ),
    }

    def get_invalid_login_error(self):
        # Set by intranet.people.ldap when the directory did not answer during this request: saying
        # "wrong password" would send the agent hunting for a typo.
        if getattr(self.request, "ldap_unreachable", False):
            return ValidationError(self.error_messages["directory_unreachable"], code="directory_unreachable")
        return super().get_invalid_login_error()


class PersonalTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du jeton"), max_length=100, help_text=_("Par exemple « export annuaire ».")
    )
    days = forms.TypedChoiceField(
        label=_("Durée de validité"),
        coerce=int,
        choices=[(30, _("30 jours")), (90, _("90 jours")), (365, _("1 an")), (0, _("Sans expiration"))],
        initial=90,
    )


class AppPasswordForm(forms.Form):
    label = forms.CharField(
        label=_("Nom de l'appareil"),
        max_length=100,
        help_text=_("Par exemple « PC du bureau » ou « Mac personnel » : pour le reconnaître dans la liste."),
    )


class AppPasswordsRevokeForm(forms.Form):
    """IT revokes every app password of an agent (Wagtail users screen)."""

    username = forms.CharField(label=_("Identifiant de l'agent"), max_length=150)
    reason = forms.CharField(
        label=_("Motif"),
        max_length=300,
        help_text=_(
            "Par exemple « ordinateur portable volé, signalé par l'agent ». Conservé au journal d'accès."
        ),
        error_messages={"required": _("Indiquez le motif : il est conservé au journal d'accès.")},
    )
