"""Forms of the milestone, timeline, template and edit pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from intranet.params import MAX_ID

from .choices import Status
from .forms import DATE, DATE_ERRORS, AgentField, WorkspaceForm
from .templating import MAX_COLUMNS, MAX_ITEMS, MAX_LABELS, MAX_OFFSET

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
            "L'espace documentaire et le salon du projet suivent : ouvert, tous les agents peuvent les "
            "lire ; privé ou secret, l'équipe seulement."
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


def _lines(value: str) -> list[str]:
    return [" ".join(line.split()) for line in (value or "").splitlines() if line.strip()]


class TemplateEditForm(forms.Form):
    """A template's name, description and structure: per board its name, columns and labels (one per line)
    and each card's checklist (one item per line); the milestones with their offsets in days, a blank row to
    add one, an emptied name to remove one. Lines keep their place: renaming a column, a label or a
    milestone on its own line keeps the cards attached to it; a card whose column is removed goes to the
    first column. `cleaned_data["data"]` is the new structure (bounded again by `templating.clean_data`)."""

    name = forms.CharField(label=_("Nom du modèle"), max_length=120, error_messages=NAME_ERRORS)
    description = forms.CharField(
        label=_("Description du modèle"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, spec: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        text = forms.CharField
        for i, board in enumerate(spec["boards"]):
            self.fields[f"b{i}_name"] = text(
                label=_("Nom du tableau"), max_length=120, initial=board["name"], error_messages=NAME_ERRORS
            )
            self.fields[f"b{i}_columns"] = text(
                label=_("Colonnes, une par ligne, de gauche à droite"),
                widget=forms.Textarea(attrs={"rows": max(3, len(board["columns"]))}),
                initial="\n".join(board["columns"]),
                max_length=2000,
                error_messages={"required": _("Un tableau garde au moins une colonne.")},
            )
            self.fields[f"b{i}_labels"] = text(
                label=_("Étiquettes, une par ligne"),
                widget=forms.Textarea(attrs={"rows": max(2, len(board["labels"]))}),
                initial="\n".join(board["labels"]),
                required=False,
                max_length=2000,
            )
            for j, card in enumerate(board["cards"]):
                self.fields[f"b{i}_c{j}_checklist"] = text(
                    label=_("Liste de contrôle de la carte « %(title)s », un élément par ligne")
                    % {"title": card["title"]},
                    widget=forms.Textarea(attrs={"rows": max(2, len(card["checklist"]))}),
                    initial="\n".join(card["checklist"]),
                    required=False,
                    max_length=12000,
                )
        rows = [*spec["milestones"], {"name": "", "offset_days": None}]
        for k, milestone in enumerate(rows):
            new = k == len(spec["milestones"])
            self.fields[f"m{k}_name"] = text(
                label=_("Nouveau jalon : nom") if new else _("Jalon %(n)s : nom") % {"n": k + 1},
                max_length=120,
                required=False,
                initial=milestone["name"],
                help_text="" if new else _("Videz le nom pour retirer ce jalon."),
            )
            self.fields[f"m{k}_offset"] = forms.IntegerField(
                label=_("Jours après le début du projet"),
                min_value=0,
                max_value=MAX_OFFSET,
                required=False,
                initial=milestone["offset_days"],
                error_messages={
                    "invalid": _("Un nombre entier de jours est attendu."),
                    "min_value": _("De 0 à %(max)s jours.") % {"max": MAX_OFFSET},
                    "max_value": _("De 0 à %(max)s jours.") % {"max": MAX_OFFSET},
                },
            )
        self.milestone_rows = len(rows)

    def board_sections(self):
        """(board number, its name, its fields) for the page, cards' checklists after the board's own."""
        sections = []
        for i, board in enumerate(self.spec["boards"]):
            names = [f"b{i}_name", f"b{i}_columns", f"b{i}_labels"]
            names += [f"b{i}_c{j}_checklist" for j in range(len(board["cards"]))]
            sections.append((i + 1, board["name"], [self[n] for n in names]))
        return sections

    def milestone_fields(self):
        return [(self[f"m{k}_name"], self[f"m{k}_offset"]) for k in range(self.milestone_rows)]

    def _checked_lines(self, field: str, *, limit: int, most: int, what) -> list[str]:
        lines = list(dict.fromkeys(_lines(self.cleaned_data.get(field, ""))))
        if any(len(line) > limit for line in lines):
            self.add_error(field, _("Chaque ligne : %(n)s caractères au plus.") % {"n": limit})
        if len(lines) > most:
            self.add_error(field, _("%(n)s %(what)s au plus.") % {"n": most, "what": what})
        return lines

    def clean(self):
        data = super().clean()
        milestones, renamed_milestones, seen = [], {}, set()
        for k in range(self.milestone_rows):
            name = " ".join((data.get(f"m{k}_name") or "").split())
            offset = data.get(f"m{k}_offset")
            old = self.spec["milestones"][k]["name"] if k < len(self.spec["milestones"]) else None
            if not name:
                continue
            if offset is None:
                if f"m{k}_offset" not in self.errors:
                    self.add_error(f"m{k}_offset", _("Indiquez le nombre de jours après le début du projet."))
                continue
            if name.casefold() in seen:
                self.add_error(f"m{k}_name", _("Deux jalons portent ce nom : renommez l'un d'eux."))
                continue
            seen.add(name.casefold())
            milestones.append({"name": name, "offset_days": offset})
            if old:
                renamed_milestones[old] = name
        boards = []
        for i, board in enumerate(self.spec["boards"]):
            columns = self._checked_lines(
                f"b{i}_columns", limit=80, most=MAX_COLUMNS, what=_("colonnes par tableau")
            )
            if not columns and f"b{i}_columns" not in self.errors:
                self.add_error(f"b{i}_columns", _("Un tableau garde au moins une colonne."))
            labels = self._checked_lines(
                f"b{i}_labels", limit=40, most=MAX_LABELS, what=_("étiquettes par tableau")
            )
            renamed = dict(zip(board["labels"], labels, strict=False))
            cards = []
            for j, card in enumerate(board["cards"]):
                checklist = _lines(data.get(f"b{i}_c{j}_checklist", ""))
                if any(len(item) > 200 for item in checklist) or len(checklist) > MAX_ITEMS:
                    self.add_error(
                        f"b{i}_c{j}_checklist",
                        _("%(n)s éléments au plus, de 200 caractères chacun.") % {"n": MAX_ITEMS},
                    )
                cards.append(
                    {
                        **card,
                        "column": card["column"] if card["column"] < len(columns) else 0,
                        "labels": [renamed[lb] for lb in card["labels"] if lb in renamed],
                        "checklist": checklist,
                        "milestone": renamed_milestones.get(card["milestone"], ""),
                    }
                )
            boards.append(
                {
                    "name": data.get(f"b{i}_name") or board["name"],
                    "columns": columns,
                    "labels": labels,
                    "cards": cards,
                }
            )
        data["data"] = {"boards": boards, "milestones": milestones}
        return data
