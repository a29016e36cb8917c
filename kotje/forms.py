from django import forms
from django.utils.translation import gettext_lazy as _

HELPFUL_CHOICES = [("oui", _("Oui")), ("non", _("Non"))]


class FeedbackForm(forms.Form):
    """« Cette page vous a-t-elle aidé ? »: the answer comes from the « Oui » / « Non » submit buttons."""

    helpful = forms.ChoiceField(
        label=_("Cette page vous a-t-elle aidé ?"),
        choices=HELPFUL_CHOICES,
        error_messages={
            "required": _("Répondez en cliquant sur « Oui » ou sur « Non »."),
            "invalid_choice": _("Répondez en cliquant sur « Oui » ou sur « Non »."),
        },
    )
    comment = forms.CharField(
        label=_("Commentaire (facultatif)"),
        required=False,
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ce qui manque, ce qui n'est plus exact… Le propriétaire du guide lit vos commentaires."),
        error_messages={
            "max_length": _(
                "Votre commentaire dépasse %(limit_value)d caractères (il en compte %(show_value)d) : "
                "raccourcissez-le."
            )
        },
    )

    def cleaned_helpful(self) -> bool:
        return self.cleaned_data["helpful"] == "oui"
