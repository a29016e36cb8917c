from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from intranet.params import MAX_ID

from .choices import JoinPolicy, MemberRole, Status, Visibility
from .models import TITLE_MAX

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": _("Date invalide : utilisez le format AAAA-MM-JJ.")}


class AgentField(forms.CharField):
    """An active agent, typed by their identifiant (login)."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        user = get_user_model().objects.filter(username=value.strip(), is_active=True).first()
        if user is None:
            raise forms.ValidationError(
                _("Aucun agent en activité n'a cet identifiant : vérifiez l'orthographe.")
            )
        return user


class WorkspaceForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du projet"),
        max_length=120,
        error_messages={
            "required": _("Donnez un nom au projet."),
            "max_length": _("Le nom ne doit pas dépasser %(limit_value)d caractères : raccourcissez-le."),
        },
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    sponsor = AgentField(label=_("Commanditaire (identifiant)"), required=False, max_length=150)
    start_date = forms.DateField(label=_("Début"), required=False, widget=DATE, error_messages=DATE_ERRORS)
    end_date = forms.DateField(label=_("Fin prévue"), required=False, widget=DATE, error_messages=DATE_ERRORS)
    status = forms.ChoiceField(
        label=_("Statut"), choices=[c for c in Status.choices if c[0] != Status.CLOSED]
    )
    visibility = forms.ChoiceField(
        label=_("Visibilité"), choices=Visibility.choices, initial=Visibility.PRIVATE
    )
    join_policy = forms.ChoiceField(
        label=_("Pour rejoindre"), choices=JoinPolicy.choices, initial=JoinPolicy.REQUEST
    )

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("La fin prévue doit suivre le début du projet."))
        return data


class MemberForm(forms.Form):
    user = AgentField(label=_("Identifiant de l'agent"), max_length=150)
    role = forms.ChoiceField(label=_("Rôle"), choices=MemberRole.choices, initial=MemberRole.CONTRIBUTOR)


class NameForm(forms.Form):
    name = forms.CharField(
        label=_("Nom"),
        max_length=120,
        error_messages={
            "required": _("Donnez un nom."),
            "max_length": _("Le nom ne doit pas dépasser %(limit_value)d caractères : raccourcissez-le."),
        },
    )


class CardCreateForm(forms.Form):
    title = forms.CharField(
        label=_("Titre de la nouvelle carte"),
        max_length=TITLE_MAX,
        error_messages={
            "required": _("Donnez un titre à la carte."),
            "max_length": _("Le titre ne doit pas dépasser %(limit_value)d caractères : raccourcissez-le."),
        },
    )
    column = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)


class CardEditForm(forms.Form):
    title = forms.CharField(
        label=_("Titre"),
        max_length=TITLE_MAX,
        error_messages={
            "required": _("Donnez un titre à la carte."),
            "max_length": _("Le titre ne doit pas dépasser %(limit_value)d caractères : raccourcissez-le."),
        },
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=20000,
        help_text=_("Mise en forme Markdown : **gras**, _italique_, listes, liens."),
    )
    start_date = forms.DateField(label=_("Début"), required=False, widget=DATE, error_messages=DATE_ERRORS)
    due_date = forms.DateField(label=_("Échéance"), required=False, widget=DATE, error_messages=DATE_ERRORS)
    assignees = forms.MultipleChoiceField(label=_("Personnes chargées"), required=False)
    labels = forms.MultipleChoiceField(label=_("Étiquettes"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, members=(), labels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignees"].choices = [(str(u.pk), u.get_full_name() or u.username) for u in members]
        self.fields["labels"].choices = [(str(lb.pk), lb.name) for lb in labels]
        self.fields["assignees"].widget = forms.CheckboxSelectMultiple(
            choices=self.fields["assignees"].choices
        )
        self.fields["labels"].widget = forms.CheckboxSelectMultiple(choices=self.fields["labels"].choices)


class MoveForm(forms.Form):
    column = forms.TypedChoiceField(label=_("Colonne"), coerce=int)
    position = forms.TypedChoiceField(label=_("Position"), coerce=int)

    def __init__(self, *args, columns=(), positions=30, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = {c.pk: c for c in columns}
        self.fields["column"].choices = [(c.pk, c.name) for c in columns]
        self.fields["position"].choices = [(i, str(i + 1)) for i in range(max(positions, 1))]
        self.fields["column"].error_messages["invalid_choice"] = _("Choisissez une colonne de ce tableau.")
        self.fields["position"].error_messages["invalid_choice"] = _("Choisissez une position dans la liste.")

    def chosen_column(self):
        """The column chosen (after is_valid()): one of the board's, as the form was given them."""
        return self.columns[self.cleaned_data["column"]]


class ChecklistForm(forms.Form):
    text = forms.CharField(
        label=_("Nouvel élément"),
        max_length=200,
        error_messages={
            "required": _("Écrivez l'élément de la liste."),
            "max_length": _("L'élément ne doit pas dépasser %(limit_value)d caractères."),
        },
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Votre commentaire"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={
            "required": _("Écrivez votre commentaire avant de l'envoyer."),
            "max_length": _("Le commentaire ne doit pas dépasser %(limit_value)d caractères."),
        },
    )
