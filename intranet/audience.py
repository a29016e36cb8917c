"""Who a page is addressed to: everyone, or chosen employers (the CCFI, given communes) and/or chosen
departments (a department includes its sub-services). Shared by news (intranet.news) and guides (kotje).

A concrete Wagtail page mixes in `AudienceMixin`, adds `AUDIENCE_PANELS` to its panels, and filters with
`Model.objects.filter(audience_q(Model, user))` (two subqueries, no join duplicates, no per-row query) or
checks one page with `page.is_for(user)`.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel

AUDIENCE_M2M_FIELDS = ("audience_organisations", "audience_departments")


class AudiencePageForm(WagtailAdminPageForm):
    """The admin form of audience pages. Parental M2M values reach the instance only when the form saves,
    after validation: hand them over before the model's clean() runs, so that it judges what the editor
    chose (a page that subclasses AudienceMixin and sets its own `base_form_class` must inherit this one)."""

    def _post_clean(self):
        for name in AUDIENCE_M2M_FIELDS:
            if name in self.fields and name in self.cleaned_data:
                self.instance._meta.get_field(name).save_form_data(self.instance, self.cleaned_data[name])
        super()._post_clean()


class AudienceMixin(models.Model):
    audience_everyone = models.BooleanField(
        _("tous les agents"),
        default=True,
        help_text=_("Décochez pour choisir des employeurs et/ou des services."),
    )
    audience_organisations = ParentalManyToManyField(
        "people.Organisation",
        verbose_name=_("employeurs destinataires"),
        blank=True,
        related_name="+",
    )
    audience_departments = ParentalManyToManyField(
        "people.Department",
        verbose_name=_("services destinataires"),
        blank=True,
        related_name="+",
        help_text=_("Un service inclut ses sous-services."),
    )

    base_form_class = AudiencePageForm

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        # Parental M2M values are known on the instance before saving (modelcluster keeps them in memory).
        chosen = self.audience_organisations.exists() or self.audience_departments.exists()
        if self.audience_everyone and chosen:
            raise ValidationError(
                {
                    "audience_everyone": _(
                        "Choisissez soit « tous les agents », soit des employeurs et/ou des services, "
                        "pas les deux."
                    )
                }
            )
        if not self.audience_everyone and not chosen:
            raise ValidationError(
                {
                    "audience_everyone": _(
                        "Choisissez au moins un employeur ou un service, ou cochez « tous les agents »."
                    )
                }
            )

    def is_for(self, user) -> bool:
        if self.audience_everyone:
            return True
        if not getattr(user, "is_authenticated", False):
            return False
        employer_id, department_ids = audience_keys(user)
        organisation_ids, chosen_department_ids = self._audience_ids()
        return bool(employer_id and employer_id in organisation_ids) or bool(
            department_ids & chosen_department_ids
        )

    def _audience_ids(self) -> tuple[frozenset[int], frozenset[int]]:
        """The chosen employers' and departments' ids, read once per instance (a page checked twice in one
        request, by its view and its template, costs its two small queries once)."""
        cached = getattr(self, "_audience_ids_cache", None)
        if cached is None:
            cached = (
                frozenset(o.pk for o in self.audience_organisations.all()),
                frozenset(d.pk for d in self.audience_departments.all()),
            )
            self._audience_ids_cache = cached
        return cached


AUDIENCE_PANELS = [
    MultiFieldPanel(
        [
            FieldPanel("audience_everyone"),
            FieldPanel("audience_organisations"),
            FieldPanel("audience_departments"),
        ],
        heading=_("Destinataires"),
    )
]


def audience_keys(user) -> tuple[int | None, frozenset[int]]:
    """The user's employer id and the ids of their department and its ancestors; cached on the user object
    (one query per request at most: the department tree is a handful of levels)."""
    cached = getattr(user, "_audience_keys", None)
    if cached is not None:
        return cached
    department_ids: set[int] = set()
    if getattr(user, "department_id", None):
        from intranet.people.models import Department

        parents = dict(Department.objects.values_list("id", "parent_id"))
        node = user.department_id
        while node is not None and node not in department_ids:
            department_ids.add(node)
            node = parents.get(node)
    keys = (getattr(user, "employer_id", None), frozenset(department_ids))
    user._audience_keys = keys
    return keys


def _audience_links(user) -> list[tuple[str, list[int]]]:
    """(many-to-many field, the user's ids in it) for each way a page may address the user beside
    « everyone »: their employer, their department or one of its ancestors."""
    employer_id, department_ids = audience_keys(user)
    links = (
        ("audience_organisations", [employer_id] if employer_id else []),
        ("audience_departments", sorted(department_ids)),
    )
    return [(name, values) for name, values in links if values]


def audience_q(model, user) -> Q:
    """A filter for `model` (a concrete AudienceMixin subclass) keeping what is addressed to `user`."""
    condition = Q(audience_everyone=True)
    for field_name, values in _audience_links(user):
        field = model._meta.get_field(field_name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        condition |= Q(pk__in=through.objects.filter(**{f"{target}__in": values}).values(source))
    return condition


def audience_sql(model, user, alias: str) -> tuple[str, list]:
    """`audience_q` as SQL text over the row `alias` of `model`'s table, with its %s parameters: for a
    hand-written query (the global search) that checks the audience per row without the ORM's cost."""
    from django.db import connection

    quote = connection.ops.quote_name
    pk = f"{alias}.{quote(model._meta.pk.column)}"
    parts, params = [f"{alias}.{quote(model._meta.get_field('audience_everyone').column)}"], []
    for field_name, values in _audience_links(user):
        field = model._meta.get_field(field_name)
        through = field.remote_field.through._meta
        source = quote(through.get_field(field.m2m_field_name()).column)
        target = quote(through.get_field(field.m2m_reverse_field_name()).column)
        parts.append(
            f"EXISTS (SELECT 1 FROM {quote(through.db_table)} t "  # noqa: S608  (names from the models)
            f"WHERE t.{source} = {pk} AND t.{target} = ANY(%s))"
        )
        params.append(list(values))
    return "(" + " OR ".join(parts) + ")", params
