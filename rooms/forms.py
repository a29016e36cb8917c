from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from intranet.params import check_date

from .choices import Frequency, ResourceKind, Weekday
from .models import Equipment, Site
from .recurrence import SeriesRule, local_datetime, validate_rule

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_TIME = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")


class SlotFieldsMixin:
    """date + start and end times -> aware `start` / `end` in Europe/Paris."""

    def _clean_slot(self, cleaned):
        day, start, end = cleaned.get("date"), cleaned.get("start_time"), cleaned.get("end_time")
        if day and start and end:
            try:
                cleaned["start"] = local_datetime(day, start)
                cleaned["end"] = local_datetime(day, end)
            except ValidationError as exc:
                self.add_error("start_time", exc)
                return
            if cleaned["end"] <= cleaned["start"]:
                self.add_error("end_time", _("L'heure de fin doit être postérieure à l'heure de début."))


class FinderForm(SlotFieldsMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=_DATE, validators=[check_date])
    start_time = forms.TimeField(label=_("De"), widget=_TIME)
    end_time = forms.TimeField(label=_("À"), widget=_TIME)
    duration = forms.IntegerField(
        label=_("Durée souhaitée (minutes)"),
        required=False,
        min_value=5,
        max_value=1440,
        help_text=_("Laissez vide pour toute la plage horaire."),
    )
    capacity = forms.IntegerField(label=_("Participants"), min_value=1, max_value=2000, initial=1)
    equipment = forms.ModelMultipleChoiceField(
        label=_("Équipements nécessaires"),
        queryset=Equipment.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.all(), required=False, empty_label=_("Tous les sites")
    )
    kind = forms.ChoiceField(
        label=_("Ressource"), choices=ResourceKind.choices, initial=ResourceKind.ROOM, required=False
    )
    quantity = forms.IntegerField(
        label=_("Quantité (matériel)"), min_value=1, max_value=500, initial=1, required=False
    )

    def clean(self):
        cleaned = super().clean()
        self._clean_slot(cleaned)
        cleaned["kind"] = cleaned.get("kind") or ResourceKind.ROOM
        cleaned["quantity"] = cleaned.get("quantity") or 1
        duration = cleaned.get("duration")
        has_slot = "start" in cleaned and "end" in cleaned
        if duration and has_slot and timedelta(minutes=duration) > cleaned["end"] - cleaned["start"]:
            self.add_error("duration", _("La durée dépasse la plage horaire choisie."))
        return cleaned


class BookingForm(SlotFieldsMixin, forms.Form):
    title = forms.CharField(label=_("Objet"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=_DATE, validators=[check_date])
    start_time = forms.TimeField(label=_("Début"), widget=_TIME)
    end_time = forms.TimeField(label=_("Fin"), widget=_TIME)
    attendees = forms.IntegerField(label=_("Nombre de participants"), min_value=1, max_value=2000, initial=1)
    repeat = forms.ChoiceField(
        label=_("Répétition"),
        choices=[("", _("Aucune (une seule fois)")), *Frequency.choices],
        required=False,
    )
    interval = forms.IntegerField(
        label=_("Intervalle"),
        min_value=1,
        max_value=52,
        initial=1,
        required=False,
        help_text=_("1 = chaque jour, semaine ou mois ; 2 = un sur deux…"),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Jours (répétition hebdomadaire)"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    until = forms.DateField(label=_("Jusqu'au"), required=False, widget=_DATE, validators=[check_date])
    count = forms.IntegerField(label=_("Ou nombre d'occurrences"), min_value=1, max_value=200, required=False)
    quantity = forms.IntegerField(label=_("Quantité"), min_value=1, max_value=500, initial=1, required=False)
    licence_confirmed = forms.BooleanField(
        label=_("Je confirme être titulaire d'un permis de conduire valide pour ce véhicule"), required=False
    )

    def __init__(self, *args, kind: str = ResourceKind.ROOM, **kwargs):
        super().__init__(*args, **kwargs)
        if kind != ResourceKind.EQUIPMENT:
            del self.fields["quantity"]
        else:
            # A loan is one span: no series, and the attendees do not apply.
            for name in ("repeat", "interval", "weekdays", "until", "count", "attendees"):
                del self.fields[name]
        if kind != ResourceKind.VEHICLE:
            del self.fields["licence_confirmed"]
        else:
            self.fields["attendees"].label = _("Nombre de personnes à bord")

    def clean(self):
        cleaned = super().clean()
        self._clean_slot(cleaned)
        repeat = cleaned.get("repeat")
        if repeat and cleaned.get("date"):
            rule = SeriesRule(
                frequency=repeat,
                first_date=cleaned["date"],
                interval=cleaned.get("interval") or 1,
                weekdays=cleaned.get("weekdays") or ([] if repeat != Frequency.WEEKLY else []),
                until=cleaned.get("until"),
                count=cleaned.get("count"),
            )
            try:
                validate_rule(rule)
            except ValidationError as exc:
                self.add_error("repeat", exc)
            else:
                cleaned["rule"] = rule
        return cleaned


class EditForm(SlotFieldsMixin, forms.Form):
    title = forms.CharField(label=_("Objet"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=_DATE, validators=[check_date])
    start_time = forms.TimeField(label=_("Début"), widget=_TIME)
    end_time = forms.TimeField(label=_("Fin"), widget=_TIME)
    attendees = forms.IntegerField(label=_("Nombre de participants"), min_value=1, max_value=2000)
    scope = forms.ChoiceField(
        label=_("Appliquer à"),
        choices=[
            ("one", _("cette réservation seulement")),
            ("following", _("celle-ci et les suivantes de la série")),
        ],
        initial="one",
        widget=forms.RadioSelect,
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        self._clean_slot(cleaned)
        return cleaned


class VehicleReturnForm(forms.Form):
    mileage = forms.IntegerField(label=_("Kilométrage au compteur"), min_value=0, max_value=2_000_000)
    energy_level = forms.IntegerField(
        label=_("Carburant ou charge restant (%)"), min_value=0, max_value=100, help_text=_("De 0 à 100.")
    )
    incident = forms.CharField(
        label=_("Incident, dégât ou anomalie"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Laissez vide si tout va bien. Sinon, les gestionnaires sont prévenus."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
