"""Forms of the milestone, timeline, template and edit pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from intranet.params import MAX_ID

from .choices import Status
from .forms import DATE, DATE_ERRORS, AgentField, WorkspaceForm

NAME_ERRORS = {
    "required": _("Donnez un nom."),
    "max_length": _("Le nom ne doit pas dépasser %(limit_value)d caractères : raccourcissez-le."),
}


class MilestoneForm(forms.Form):
    name = forms.CharField(label=_("Nom du jalon"), max_length=120, error_messages=NAME_ERRORS)
    date = forms.DateField(
        label=_("Date"),
        widget=DATE,
        error_messages={**DATE_ERRORS, "required": _("Donnez une date au jalon.")},
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class AttachForm(forms.Form):
    card = forms.TypedChoiceField(label=_("Carte à rattacher"), coerce=int)

    def __init__(self, *args, cards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["card"].choices = [
            (
                c.pk,
                f"{c.title} ({c.board.name})"
                if c.milestone_id is None
                else f"{c.title} ({c.board.name}, {c.milestone.name})",
            )
            for c in cards
        ]
        self.fields["card"].error_messages["invalid_choice"] = _("Choisissez une carte de ce projet.")


class WorkspaceEditForm(WorkspaceForm):
    lead = AgentField(
        label=_("Chef de projet (identifiant)"),
        max_length=150,
        error_messages={"required": _("Indiquez le chef de projet.")},
    )
    field_order = ["name", "description", "lead", "sponsor", "start_date", "end_date", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [c for c in Status.choices if c[0] != Status.CLOSED]
        self.fields["visibility"].help_text = _(
            "L'espace documentaire et le salon du projet suivent : ouvert, tous les agents les lisent ; "
            "privé ou secret, l'équipe seulement."
        )


class ColumnRenameForm(forms.Form):
    name = forms.CharField(label=_("Nom de la colonne"), max_length=80, error_messages=NAME_ERRORS)


class TemplateSaveForm(forms.Form):
    name = forms.CharField(label=_("Nom du modèle"), max_length=120, error_messages=NAME_ERRORS)
    description = forms.CharField(
        label=_("Description du modèle"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class FromTemplateForm(WorkspaceForm):
    """A new workspace from a template: the same fields as a workspace from scratch, the start date anchors
    the template's milestones."""

    template = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].help_text = _(
            "Les jalons du modèle se placent à partir de cette date (aujourd'hui si vous la laissez vide)."
        )
