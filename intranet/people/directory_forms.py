from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Weekday
from .models import User
from .profile_actions import LOCAL_ACCOUNT_FIELDS, editable_fields
from .queries import active_agents_for_choice


def skills_text(tags) -> str:
    """Skills as the agent typed them: « gestion de projet, SIG », without taggit's quotes around names that
    hold a space."""
    return ", ".join(sorted((t.name for t in tags), key=str.casefold))


def parse_skills(text: str) -> list[str]:
    """Comma-separated names, trimmed, inner spaces collapsed, stray quotes dropped, duplicates (ignoring
    case) once, in the order typed."""
    seen, names = set(), []
    for part in text.split(","):
        name = " ".join(part.replace('"', " ").split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class ProfileForm(forms.Form):
    """The agent's own fields. Only parses input: `user_profile_update` validates and writes."""

    what_i_do = forms.CharField(
        label=_("Ce que je fais"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Vos missions en quelques phrases, avec les mots que vos collègues chercheraient."),
    )
    contact_me_for = forms.CharField(
        label=_("Me contacter pour"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Les questions pour lesquelles vous êtes la bonne personne."),
    )
    skills = forms.CharField(
        label=_("Compétences"),
        required=False,
        max_length=1000,
        help_text=_("Séparées par des virgules, par exemple « marchés publics, SIG, tableur »."),
    )
    office_days = forms.TypedMultipleChoiceField(
        label=_("Jours de présence habituels"),
        required=False,
        coerce=int,
        choices=Weekday.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    office = forms.CharField(label=_("Bureau / site"), required=False, max_length=200)
    absent_until = forms.DateField(
        label=_("Absent·e jusqu'au (inclus)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Le dernier jour de votre absence ; laissez vide si vous êtes présent·e."),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Saisissez une date valide, par exemple 31/12/2026.")},
    )
    backup_contact = AgentChoiceField(
        label=_("Contact en mon absence"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("— Personne —"),
        error_messages={
            "invalid_choice": _("Choisissez un ou une collègue en poste dans la liste, autre que vous-même.")
        },
    )
    job_title = forms.CharField(label=_("Fonction"), required=False, max_length=200)
    phone = forms.CharField(label=_("Téléphone"), required=False, max_length=30)
    mobile = forms.CharField(label=_("Portable"), required=False, max_length=30)

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        editable = editable_fields(user)
        kwargs.setdefault(
            "initial",
            {
                "what_i_do": user.what_i_do,
                "contact_me_for": user.contact_me_for,
                "skills": skills_text(user.skills.all()),
                "office_days": user.office_days or [],
                "office": user.office,
                "absent_until": user.absent_until if user.is_absent else None,
                "backup_contact": user.backup_contact_id,
                "job_title": user.job_title,
                "phone": user.phone,
                "mobile": user.mobile,
            },
        )
        super().__init__(*args, **kwargs)
        for name in LOCAL_ACCOUNT_FIELDS:
            if name not in editable:
                del self.fields[name]
        # Oneself is not offered; a forged value gets the field's message, and the action refuses it too.
        self.fields["backup_contact"].queryset = active_agents_for_choice(exclude=user)

    def clean_skills(self):
        return parse_skills(self.cleaned_data.get("skills") or "")

    def local_fields(self):
        return [self[name] for name in LOCAL_ACCOUNT_FIELDS if name in self.fields]
