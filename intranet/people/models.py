import hashlib

from django.contrib.auth.models import AbstractUser, Group
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from .choices import AbsenceSource, AbsenceVisibility, DepartmentKind, OrganisationKind, TeamRole, Weekday


class OrganisationQuerySet(models.QuerySet):
    def communes(self):
        return self.filter(kind=OrganisationKind.COMMUNE)


class Organisation(models.Model):
    """An employer: the intercommunality itself or one of its member communes. Names are data, never code."""

    name = models.CharField(_("nom"), max_length=200)
    short_name = models.CharField(_("nom court"), max_length=60, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=OrganisationKind.choices)
    insee_code = models.CharField(_("code INSEE"), max_length=5, blank=True, null=True, unique=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    population = models.PositiveIntegerField(_("population municipale"), null=True, blank=True)
    is_host = models.BooleanField(
        _("organisme hôte"),
        default=False,
        help_text=_("L'organisme qui héberge l'intranet ; son nom s'affiche dans l'en-tête."),
    )
    ldap_ou = models.CharField(
        _("unité organisationnelle LDAP"), max_length=255, blank=True, null=True, unique=True
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisme")
        verbose_name_plural = _("organismes")
        ordering = ["-is_host", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_host"], condition=Q(is_host=True), name="one_host_organisation"
            ),
            models.CheckConstraint(
                condition=Q(insee_code__isnull=True) | Q(insee_code__regex=r"^[0-9][0-9AB][0-9]{3}$"),
                name="organisation_insee_code_format",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def display_name(self):
        return self.short_name or self.name


class DepartmentQuerySet(models.QuerySet):
    def roots(self):
        return self.filter(parent__isnull=True)


class Department(models.Model):
    """A node of the organisation chart (direction → service), bound to a Django group for grants."""

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    kind = models.CharField(
        _("type"), max_length=20, choices=DepartmentKind.choices, default=DepartmentKind.SERVICE
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("rattaché à"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisme"), on_delete=models.PROTECT, related_name="departments"
    )
    group = models.OneToOneField(
        Group, verbose_name=_("groupe"), on_delete=models.PROTECT, related_name="department", editable=False
    )
    head = models.ForeignKey(
        "User",
        verbose_name=_("responsable"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    description = models.TextField(_("missions"), blank=True)
    email = models.EmailField(_("adresse de contact"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    ldap_dn = models.CharField(_("DN LDAP"), max_length=500, blank=True, null=True, unique=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="department_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        node, seen = self.parent, set()
        while node is not None:
            if node.pk == self.pk or node.pk in seen:
                raise ValidationError(
                    {"parent": _("Un service ne peut pas être rattaché à l'un de ses sous-services.")}
                )
            seen.add(node.pk)
            node = node.parent

    def ancestors(self) -> list["Department"]:
        """From the root down to the parent; a handful of levels, one query each."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class Team(models.Model):
    """A group-backed team owned by an app (a project's roster): one core group per role (TeamGroup), every
    member in exactly the group of their role. The owner keeps the roster itself; the core keeps the groups
    the other apps grant to (intranet/people/team_groups.py).

    `key`: a stable identifier chosen by the owner (« projects.workspace:12 »), the same as the
    `intranet.registry.Team` key the provisioners see. `kind`: the owner's kind of team (« project »)."""

    key = models.CharField(_("identifiant"), max_length=100, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    class Meta:
        verbose_name = _("équipe")
        verbose_name_plural = _("équipes")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class TeamGroup(models.Model):
    """The core group that holds a team's members of one role."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(_("rôle"), max_length=12, choices=TeamRole.choices)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="team_role")

    class Meta:
        verbose_name = _("groupe d'équipe")
        verbose_name_plural = _("groupes d'équipe")
        constraints = [
            models.UniqueConstraint(fields=["team", "role"], name="people_team_one_group_per_role")
        ]

    def __str__(self):
        return self.group.name


# Fields a save may change without touching what the LDAP sync owns (logins, presence, preferences…): such a
# save keeps the sync's digest (User.ldap_hash).
LDAP_UNTOUCHED = frozenset(
    {"last_login", "password", "what_i_do", "office_days", "remote_days", "backup_contact", "ldap_hash"}
)


class User(AbstractUser):
    """An agent. Directory-owned fields (names, e-mail, phone, title, department, manager, employer) are
    overwritten by the LDAP sync when the account comes from the directory (`ldap_dn` set)."""

    job_title = models.CharField(_("fonction"), max_length=200, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    mobile = models.CharField(_("portable"), max_length=30, blank=True)
    office = models.CharField(_("bureau / site"), max_length=200, blank=True)
    employer = models.ForeignKey(
        Organisation,
        verbose_name=_("employeur"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agents",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("responsable hiérarchique"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    what_i_do = models.TextField(_("ce que je fais"), blank=True)
    contact_me_for = models.TextField(_("me contacter pour"), blank=True)
    skills = TaggableManager(
        verbose_name=_("compétences"), blank=True, help_text=_("Séparées par des virgules.")
    )
    office_days = models.JSONField(
        _("jours de présence habituels"),
        default=list,
        blank=True,
        help_text=_("Numéros des jours : 1 = lundi … 5 = vendredi."),
    )
    remote_days = models.JSONField(
        _("jours de télétravail habituels"),
        default=list,
        blank=True,
        help_text=_("Numéros des jours : 1 = lundi … 5 = vendredi."),
    )
    absent_until = models.DateField(_("absent·e jusqu'au"), null=True, blank=True)
    backup_contact = models.ForeignKey(
        "self",
        verbose_name=_("contact en mon absence"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="backing_up",
    )
    # Identity issue: the directory's immutable id (entryUUID / objectGUID) and DN. Null for local accounts.
    # Unique through Meta.constraints rather than `unique=True`: on PostgreSQL the latter adds a second,
    # LIKE-pattern index per column, which nothing queries and every inserted agent pays for (B7).
    ldap_guid = models.CharField(_("identifiant LDAP"), max_length=64, null=True, blank=True)
    ldap_dn = models.CharField(_("DN LDAP"), max_length=500, null=True, blank=True)
    ldap_synced_at = models.DateTimeField(_("dernière synchronisation LDAP"), null=True, blank=True)
    # The payroll's registration number (matricule): how a payslip page finds its agent (ged.payslips).
    # From the directory (LDAP_ATTR_REGISTRATION_NUMBER) when the entry carries it, else set in the admin.
    registration_number = models.CharField(
        _("matricule"),
        max_length=32,
        null=True,
        blank=True,
        help_text=_("Numéro de matricule de la paie ; vide si inconnu."),
    )
    # A digest of the directory-owned values the sync last wrote (ldap_sync.entry_digest): a re-sync whose
    # entry gives the same digest skips the field-by-field comparison. Emptied by any save through the ORM
    # (a local edit), so the next sync compares every field again.
    ldap_hash = models.CharField(max_length=32, blank=True, default="", editable=False)
    # Two ways to be inactive (ldap.md §5): disabled by the directory (is_active False, this empty: the sync
    # reactivates the account when the entry is enabled again) or suspended locally by IT (this set: only an
    # explicit, audited reactivation lifts it, never the sync).
    suspended_at = models.DateTimeField(
        _("suspendu localement le"),
        null=True,
        blank=True,
        help_text=_("Suspension décidée par le service SI : la synchronisation LDAP ne la lève jamais."),
    )
    # PostgreSQL: names (A), username and job title (B), what they do, department, its parent and employer
    # (C) in the `french_unaccent` configuration, written by triggers (migration 0005) whatever path writes
    # those columns or renames a department or organisation; GIN-indexed; the global search's people source.
    # Always empty on SQLite.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["ldap_guid"], name="people_user_ldap_guid_uniq"),
            models.UniqueConstraint(fields=["ldap_dn"], name="people_user_ldap_dn_uniq"),
            models.UniqueConstraint(
                fields=["registration_number"],
                name="people_user_registration_number_uniq",
                violation_error_message=_("Ce matricule est déjà celui d'un autre agent."),
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    def save(self, *args, update_fields=None, **kwargs):
        # A save through the ORM may change a directory-owned value locally: the sync's digest no longer
        # says what the row holds, so the next sync compares every field (and restores the directory's).
        if self.ldap_hash and (update_fields is None or not LDAP_UNTOUCHED.issuperset(update_fields)):
            self.ldap_hash = ""
            if update_fields is not None:
                update_fields = {*update_fields, "ldap_hash"}
        super().save(*args, update_fields=update_fields, **kwargs)

    @property
    def from_directory(self) -> bool:
        return bool(self.ldap_dn)

    @property
    def is_absent(self) -> bool:
        return self.absent_until is not None and self.absent_until >= timezone.localdate()

    def office_day_labels(self) -> list[str]:
        return [str(Weekday(d).label) for d in sorted(self.office_days or []) if d in Weekday.values]

    def remote_day_labels(self) -> list[str]:
        return [str(Weekday(d).label) for d in sorted(self.remote_days or []) if d in Weekday.values]

    @property
    def absence_shown(self):
        """What colleagues may see of today's absence: None (present), or {"until": last day, or None when
        the agent hides the dates}. Lists annotate it in SQL (`presence.with_absence_today`); the profile's
        `absent_until` field (an absence declared from the profile form) counts too."""
        absent = getattr(self, "absent_today", False)
        end = getattr(self, "absence_end_shown", None)
        if self.is_absent:
            absent, end = True, max(end, self.absent_until) if end else self.absent_until
        return {"until": end} if absent else None

    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        return "".join(p[0] for p in parts).upper() or self.username[:2].upper()


class AbsenceQuerySet(models.QuerySet):
    def covering(self, day):
        return self.filter(start__lte=day, end__gte=day)

    def overlapping(self, first, last):
        return self.filter(start__lte=last, end__gte=first)


class Absence(models.Model):
    """A dated absence of an agent (both days included), declared by the agent or imported from the HR
    system. `reason` is for the agent alone: no page, feed or API shows it to anybody else
    (docs/presence.md)."""

    user = models.ForeignKey(User, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="absences")
    start = models.DateField(_("du"))
    end = models.DateField(_("au (inclus)"))
    reason = models.CharField(_("motif (visible par vous seul·e)"), max_length=100, blank=True)
    visibility = models.CharField(
        _("ce que voient vos collègues"),
        max_length=10,
        choices=AbsenceVisibility.choices,
        default=AbsenceVisibility.DATES,
    )
    source = models.CharField(_("origine"), max_length=10, choices=AbsenceSource.choices)
    # The HR system's own id of the absence: re-importing the same file updates rows instead of adding them.
    hr_ref = models.CharField(_("référence RH"), max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["start", "end", "pk"]
        indexes = [models.Index(fields=["end", "start"], name="people_absence_dates")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lte=models.F("end")), name="people_absence_start_le_end"
            ),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.start} → {self.end}"


class PresenceFeedToken(models.Model):
    """The secret of an agent's team absence calendar (iCalendar), as for the rooms' feeds: only its
    SHA-256 is stored; creating a new one replaces the old one, deleting it revokes the address."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="presence_feed_token")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("adresse d'abonnement aux absences")
        verbose_name_plural = _("adresses d'abonnement aux absences")

    def __str__(self):
        return str(self.user_id)

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


class PersonalTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class PersonalToken(models.Model):
    """A personal access token for scripts. Only its SHA-256 is stored; the secret is shown once."""

    PREFIX = "ccfi_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="personal_tokens")
    name = models.CharField(_("nom"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("début du jeton"), max_length=16, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    objects = PersonalTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("jeton d'accès personnel")
        verbose_name_plural = _("jetons d'accès personnels")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def hash(secret: str) -> str:
        # Tokens carry 256 random bits: a plain SHA-256 is enough, no slow hash needed.
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class UserSession(models.Model):
    """Which session keys belong to which user, filled at login: the session table is not indexed by user,
    and ending every session of a leaver must not scan it (ASVS 5.0 7.4.2)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="session_keys")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Shown on « Mes appareils et sessions » so the agent recognises each device.
    user_agent = models.CharField(max_length=300, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("session ouverte")
        verbose_name_plural = _("sessions ouvertes")

    def __str__(self):
        return f"{self.user_id}: {self.session_key[:6]}…"


class DirectoryGroup(models.Model):
    """A Django group mirrored from a directory group, keyed by DN (and the immutable id when there is one),
    because `Group.name` is unique and two directory groups may share a `cn` in different OUs."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="directory_group")
    ldap_dn = models.CharField(_("DN LDAP"), max_length=500, unique=True)
    ldap_guid = models.CharField(_("identifiant LDAP"), max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("groupe de l'annuaire")
        verbose_name_plural = _("groupes de l'annuaire")

    def __str__(self):
        return self.ldap_dn


class AppPasswordQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class AppPassword(models.Model):
    """A per-device password for the network drive (WebDAV) and other clients that only speak Basic auth.

    The agent names the device; the secret is generated, shown once, and only its SHA-256 is stored. It never
    opens the web login, the API or OIDC (see `app_passwords.py` and docs/app-passwords.md)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="app_passwords")
    label = models.CharField(_("appareil"), max_length=100)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("début du mot de passe"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("dernière adresse"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    objects = AppPasswordQuerySet.as_manager()

    class Meta:
        verbose_name = _("mot de passe d'application")
        verbose_name_plural = _("mots de passe d'application")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.label} ({self.hint}…)"

    @staticmethod
    def hash(secret: str) -> str:
        # The secret is 125 random bits generated by the server: a plain SHA-256 is enough (no slow hash to
        # pay on every DAV request), and it lets one indexed lookup find the row.
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AppPasswordThrottle(models.Model):
    """Failed app-password attempts for one (username as the directory compares it, client address): the same
    limit and cool-off as the web login (AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME), in the database so every DAV
    process shares it."""

    username = models.CharField(max_length=150)
    # "" when the caller had no valid address (one shared counter for those).
    ip_address = models.CharField(max_length=45, blank=True, default="")
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField()

    class Meta:
        verbose_name = _("échecs de mot de passe d'application")
        verbose_name_plural = _("échecs de mots de passe d'application")
        constraints = [
            models.UniqueConstraint(
                fields=["username", "ip_address"], name="people_app_password_throttle_unique"
            )
        ]

    def __str__(self):
        return f"{self.username} @ {self.ip_address}: {self.failures}"
