"""Admin screens of the people core, grouped under « Organisation » in the Wagtail admin (/cms/)."""

from django import forms
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.views.generic.models import CreateView, EditView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from intranet.context_processors import HOST_NAME_CACHE_KEY

from .actions import department_create, department_member_sync, department_update
from .choices import Weekday
from .models import Department, Organisation, User


class ForgetHostNameMixin:
    """Every page shows the host organisation's name from the cache: renaming it must show at once."""

    def save_instance(self):
        instance = super().save_instance()
        cache.delete(HOST_NAME_CACHE_KEY)
        return instance


class OrganisationCreateView(ForgetHostNameMixin, CreateView):
    pass


class OrganisationEditView(ForgetHostNameMixin, EditView):
    pass


class OrganisationViewSet(ModelViewSet):
    model = Organisation
    add_view_class = OrganisationCreateView
    edit_view_class = OrganisationEditView
    icon = "site"
    menu_label = _("Organismes")
    add_to_admin_menu = False
    list_display = ["name", "kind", "insee_code", "postal_code", "is_host"]
    list_filter = ["kind"]
    search_fields = ["name", "insee_code"]
    form_fields = [
        "name",
        "short_name",
        "kind",
        "insee_code",
        "siren",
        "postal_code",
        "population",
        "is_host",
        "ldap_ou",
    ]


class DepartmentCreateView(CreateView):
    def save_instance(self):
        data = {f: self.form.cleaned_data[f] for f in self.form.cleaned_data}
        return department_create(**data)


class DepartmentEditView(EditView):
    def save_instance(self):
        fields = {f: self.form.cleaned_data[f] for f in self.form.cleaned_data}
        return department_update(department=self.form.instance, **fields)


class DepartmentViewSet(ModelViewSet):
    model = Department
    icon = "group"
    menu_label = _("Services")
    add_to_admin_menu = False
    add_view_class = DepartmentCreateView
    edit_view_class = DepartmentEditView
    list_display = ["name", "kind", "parent", "organisation", "head"]
    list_filter = ["kind", "organisation"]
    search_fields = ["name"]
    form_fields = [
        "name",
        "slug",
        "kind",
        "parent",
        "organisation",
        "head",
        "description",
        "email",
        "phone",
        "ldap_dn",
    ]


class AgentProfileForm(WagtailAdminModelForm):
    office_days = forms.TypedMultipleChoiceField(
        label=_("Jours de présence habituels"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class AgentEditView(EditView):
    def save_instance(self):
        user = super().save_instance()
        department_member_sync(user=user)
        return user


class AgentViewSet(ModelViewSet):
    """Profile fields of agents. Accounts themselves (password, groups) stay in Wagtail's « Utilisateurs »."""

    model = User
    icon = "user"
    menu_label = _("Fiches agents")
    url_prefix = "agents"
    add_to_admin_menu = False
    form_class = AgentProfileForm
    edit_view_class = AgentEditView
    list_display = ["__str__", "job_title", "department", "employer", "is_active"]
    list_filter = ["is_active", "employer", "department"]
    search_fields = ["first_name", "last_name", "username", "email", "job_title"]
    panels = [
        FieldRowPanel([FieldPanel("first_name"), FieldPanel("last_name")]),
        FieldRowPanel([FieldPanel("email"), FieldPanel("phone"), FieldPanel("mobile")]),
        MultiFieldPanel(
            [
                FieldPanel("job_title"),
                FieldPanel("employer"),
                FieldPanel("department"),
                FieldPanel("manager"),
                FieldPanel("office"),
            ],
            heading=_("Poste"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("what_i_do"),
                FieldPanel("contact_me_for"),
                FieldPanel("skills"),
                FieldPanel("office_days"),
            ],
            heading=_("Présentation"),
        ),
        MultiFieldPanel([FieldPanel("absent_until"), FieldPanel("backup_contact")], heading=_("Absence")),
        MultiFieldPanel(
            [
                FieldPanel("ldap_dn", read_only=True),
                FieldPanel("ldap_guid", read_only=True),
                FieldPanel("ldap_synced_at", read_only=True),
            ],
            heading=_("Annuaire LDAP"),
        ),
    ]


class OrganisationGroup(ModelViewSetGroup):
    menu_label = _("Organisation")
    menu_icon = "group"
    menu_order = 200
    items = (OrganisationViewSet("organisations"), DepartmentViewSet("services"), AgentViewSet("agents"))


@hooks.register("register_admin_viewset")
def register_organisation_viewsets():
    return OrganisationGroup()
