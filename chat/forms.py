from django import forms
from django.conf import settings
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from .choices import NotificationLevel, SalonKind


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Votre message"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=settings.CHAT_MESSAGE_MAX_LENGTH,
        help_text=_(
            "Mise en forme : **gras**, _italique_, `code`, listes, liens. @Prénom Nom pour mentionner."
        ),
        error_messages={
            "required": _("Le message est vide : écrivez quelque chose avant d'envoyer."),
            "max_length": _(
                "Le message dépasse %(limit_value)d caractères (%(show_value)d) : raccourcissez-le."
            ),
        },
    )
    reply_to = forms.UUIDField(required=False, widget=forms.HiddenInput)


class MessageEditForm(forms.Form):
    text = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=settings.CHAT_MESSAGE_MAX_LENGTH,
        error_messages={"required": _("Le message est vide : écrivez quelque chose avant d'enregistrer.")},
    )


class SalonCreateForm(forms.Form):
    name = forms.CharField(label=_("Nom du salon"), max_length=120)
    topic = forms.CharField(label=_("Sujet"), max_length=500, required=False)
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[
            (SalonKind.PROJECT, _("Projet (sur invitation)")),
            (SalonKind.OPEN, _("Ouvert à tous les agents")),
        ],
        initial=SalonKind.PROJECT,
    )


class UsernameForm(forms.Form):
    """A colleague by name or login; with JavaScript, suggestions appear as one types (chat:colleagues)."""

    username = forms.CharField(
        label=_("Collègue"),
        max_length=150,
        help_text=_("Son nom (par exemple Marie Dupont) ou son identifiant (marie.dupont)."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "hx-get": reverse_lazy("chat:colleagues"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "next .chat-suggestions",
                "hx-swap": "innerHTML",
            }
        ),
    )


class SalonSettingsForm(forms.Form):
    name = forms.CharField(label=_("Nom du salon"), max_length=120)
    topic = forms.CharField(label=_("Sujet"), max_length=500, required=False)
    retention_days = forms.IntegerField(
        label=_("Durée de conservation des messages (jours)"),
        min_value=1,
        max_value=36500,
        required=False,
        help_text=_("Vide : les messages sont conservés sans limite."),
    )


class NotificationLevelForm(forms.Form):
    level = forms.ChoiceField(label=_("Me notifier"), choices=NotificationLevel.choices)
