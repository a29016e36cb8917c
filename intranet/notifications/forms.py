from django import forms
from django.utils.translation import gettext_lazy as _

from .kinds import CONFIGURABLE, Delivery, Kind


class PreferencesForm(forms.Form):
    """One radio group per configurable kind: immediate, daily digest or no e-mail."""

    def __init__(self, *args, initial_choices: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in CONFIGURABLE:
            self.fields[kind] = forms.ChoiceField(
                label=Kind(kind).label,
                choices=Delivery.choices,
                initial=initial_choices.get(kind),
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choisissez comment recevoir « %(kind)s » : un des trois choix proposés.")
                    % {"kind": Kind(kind).label},
                    "invalid_choice": _(
                        "Ce choix n'existe pas pour « %(kind)s » : cochez « Un courriel à chaque fois », "
                        "« Un résumé quotidien » ou « Aucun courriel »."
                    )
                    % {"kind": Kind(kind).label},
                },
            )
