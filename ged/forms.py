from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from intranet.params import BadParameter, parse_id

from .choices import Role, SpacePolicy

User = get_user_model()


class NameForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=255)


class SpaceForm(forms.Form):
    name = forms.CharField(label=_("Nom de l'espace"), max_length=200)
    slug = forms.SlugField(
        label=_("Identifiant (adresse)"),
        max_length=80,
        help_text=_("Lettres minuscules, chiffres et tirets."),
    )
    policy = forms.ChoiceField(
        label=_("Visibilité"), choices=SpacePolicy.choices, initial=SpacePolicy.PRIVATE
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Nom"), max_length=255)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    tags = forms.CharField(
        label=_("Mots-clés"), required=False, max_length=500, help_text=_("Séparés par des virgules.")
    )


class VersionCommentForm(forms.Form):
    comment = forms.CharField(label=_("Commentaire"), required=False, max_length=500)
    base_version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)


class MilestoneForm(forms.Form):
    label = forms.CharField(label=_("Nom du jalon"), required=False, max_length=100)


class MoveForm(forms.Form):
    target = forms.TypedChoiceField(label=_("Destination"), coerce=int, choices=())

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets


class GrantForm(forms.Form):
    """Who gets a role: an agent found by name (radio buttons `principal` = "u<id>", filled by the agent
    search) or a department (`group`). `cleaned_data["principal"]` is ("user", User) or ("group", Group).
    The same form shares a folder (roles) and a single document (share roles)."""

    principal = forms.CharField(label=_("Agent"), max_length=40, required=False)
    group = forms.TypedChoiceField(label=_("Ou un service"), coerce=int, required=False, empty_value=None)
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, initial=Role.READER)

    def __init__(self, *args, groups=(), roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = {g.pk: g for g in groups}
        self.fields["group"].choices = [("", "—")] + [(g.pk, g.department.name) for g in groups]
        if roles is not None:
            self.fields["role"].choices = roles

    def clean(self):
        data = super().clean()
        agent, group = data.get("principal"), data.get("group")
        if agent and group:
            raise forms.ValidationError(_("Choisissez un agent ou un service, pas les deux."))
        if group:
            data["principal"] = ("group", self.groups[group])
        elif not agent:
            raise forms.ValidationError(
                _("Choisissez un agent (cherchez-le par son nom) ou un service dans la liste.")
            )
        return data

    def clean_principal(self):
        value = self.cleaned_data["principal"]
        if not value:
            return None
        try:
            kind, pk = value[0], parse_id(value[1:])
            if kind == "u":
                return ("user", User.objects.get(pk=pk, is_active=True))
            if kind == "g":
                return ("group", Group.objects.get(pk=pk))
        except (BadParameter, IndexError, User.DoesNotExist, Group.DoesNotExist):
            pass
        raise forms.ValidationError(_("Choisissez un agent ou un service dans la liste."))


class RevokeForm(forms.Form):
    principal = forms.CharField(max_length=40)

    def clean_principal(self):
        return GrantForm.clean_principal(self)
