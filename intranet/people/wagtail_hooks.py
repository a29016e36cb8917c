"""Admin screens of the people core, grouped under « Organisation » in the Wagtail admin (/cms/), including
the single sign-on client applications (IT only)."""

from django import forms
from django.core.cache import cache
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import get_application_model
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.views.generic.models import CreateView, EditView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import Button
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

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


Application = get_application_model()


class SuperuserOnlyPermissionPolicy(BasePermissionPolicy):
    """Single sign-on clients are IT's business: superusers only, whatever model permissions say."""

    def user_has_permission(self, user, action):
        return user.is_active and user.is_superuser

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)

    def users_with_any_permission(self, actions):
        from .models import User

        return User.objects.filter(is_active=True, is_superuser=True)


register_permission_policy(Application, SuperuserOnlyPermissionPolicy(Application), exact_class=True)


class ApplicationForm(WagtailAdminModelForm):
    """An OpenID Connect client (Element/Synapse, Nextcloud…): authorization code + PKCE, RS256 ID tokens."""

    class Meta:
        labels = {
            "name": _("Nom"),
            "client_id": _("Identifiant du client (client_id)"),
            "client_secret": _("Secret du client (client_secret)"),
            "client_type": _("Type de client"),
            "authorization_grant_type": _("Type d'autorisation"),
            "redirect_uris": _("Adresses de retour autorisées (redirect_uri)"),
            "post_logout_redirect_uris": _("Adresses de retour après déconnexion"),
            "skip_authorization": _("Application interne de confiance (pas d'écran de consentement)"),
            "algorithm": _("Signature des jetons d'identité"),
        }
        help_texts = {
            "client_secret": _(
                "Copiez ce secret maintenant dans la configuration de l'application cliente : il est "
                "enregistré chiffré (haché) et ne pourra plus être affiché."
            ),
            "redirect_uris": _(
                "Séparées par des espaces, en https. Synapse : https://matrix.example/_synapse/client/oidc/callback"
            ),
            "client_type": _("« Confidentiel » pour un serveur qui garde un secret (Synapse, Nextcloud)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The only flow the provider offers; ID tokens signed with the provider's RSA key.
        if "authorization_grant_type" in self.fields:
            self.fields["authorization_grant_type"].choices = [
                (Application.GRANT_AUTHORIZATION_CODE, _("Code d'autorisation (OpenID Connect)"))
            ]
            self.fields["authorization_grant_type"].initial = Application.GRANT_AUTHORIZATION_CODE
        if "algorithm" in self.fields:
            self.fields["algorithm"].choices = [
                (Application.RS256_ALGORITHM, _("RS256 (clé RSA du fournisseur)"))
            ]
            self.fields["algorithm"].initial = Application.RS256_ALGORITHM
        if "client_type" in self.fields:
            self.fields["client_type"].choices = [
                (Application.CLIENT_CONFIDENTIAL, _("Confidentiel (serveur)")),
                (Application.CLIENT_PUBLIC, _("Public (application sans secret, PKCE seul)")),
            ]
            self.fields["client_type"].initial = Application.CLIENT_CONFIDENTIAL


APPLICATION_FIELDS = [
    "name",
    "client_id",
    "client_secret",
    "client_type",
    "authorization_grant_type",
    "redirect_uris",
    "post_logout_redirect_uris",
    "skip_authorization",
    "algorithm",
]


class ApplicationViewSet(ModelViewSet):
    """Client applications of the single sign-on, registered by IT (docs/sso.md)."""

    model = Application
    icon = "key"
    menu_label = _("Applications (SSO)")
    url_prefix = "applications-sso"
    add_to_admin_menu = False
    list_display = ["name", "client_id", "client_type", "skip_authorization", "created"]
    search_fields = ["name", "client_id"]
    form_fields = APPLICATION_FIELDS

    def get_form_class(self, for_update=False):
        # The stored secret is a hash: showing it on the edit form would only invite pasting it as a secret.
        fields = [f for f in APPLICATION_FIELDS if not (for_update and f == "client_secret")]
        return forms.modelform_factory(
            Application, form=ApplicationForm, fields=fields, formfield_callback=self.formfield_for_dbfield
        )


class OrganisationGroup(ModelViewSetGroup):
    menu_label = _("Organisation")
    menu_icon = "group"
    menu_order = 200
    items = (
        OrganisationViewSet("organisations"),
        DepartmentViewSet("services"),
        AgentViewSet("agents"),
        ApplicationViewSet("applications_sso"),
    )


@hooks.register("register_admin_viewset")
def register_organisation_viewsets():
    return OrganisationGroup()


# --- Deactivation and reactivation from Wagtail's « Utilisateurs » ------------------------------------------
# Wagtail saves a bare `is_active` flag; these hooks note the state before and hand any change to the same
# action as the LDAP sync's leavers (intranet.people.leavers), so sessions, tokens, sockets, salons, Matrix
# and bookings end, and a reactivation is audited.


def _active_states(user_ids) -> dict[int, bool]:
    return dict(User.objects.filter(pk__in=list(user_ids)).values_list("pk", "is_active"))


@hooks.register("before_edit_user")
def _note_active_state(request, user):
    request._people_was_active = _active_states([user.pk])


@hooks.register("after_edit_user")
def _apply_active_state(request, user):
    from .leavers import user_active_state_changed

    before = getattr(request, "_people_was_active", {})
    if user.pk in before:
        user.refresh_from_db()
        user_active_state_changed(user=user, was_active=before[user.pk], actor=request.user, request=request)


@hooks.register("before_bulk_action")
def _note_bulk_active_state(request, action_type, objects, action_class_instance):
    if action_type == "set_active_state":
        request._people_was_active = _active_states(o.pk for o in objects)


@hooks.register("after_bulk_action")
def _apply_bulk_active_state(request, action_type, objects, action_class_instance):
    from .leavers import user_active_state_changed

    if action_type != "set_active_state":
        return
    before = getattr(request, "_people_was_active", {})
    for user in User.objects.filter(pk__in=list(before)):
        user_active_state_changed(user=user, was_active=before[user.pk], actor=request.user, request=request)


@hooks.register("register_user_listing_buttons")
def app_passwords_revoke_button(user, request_user):
    """Beside « Réinitialiser le second facteur » on Wagtail's users screen: IT revokes an agent's app
    passwords (superusers only; the view refuses everyone else with a 404)."""
    if request_user.is_superuser:
        url = f"{reverse('people:app_passwords_revoke_by_it')}?{urlencode({'agent': user.get_username()})}"
        yield Button(_("Révoquer les mots de passe d'application"), url, priority=110)
