"""Workspaces (« projets ») with their roster, boards, columns and cards.

Rules live in actions.py and permissions.py; this module holds fields, constraints and QuerySet verbs.
The roster is backed by a core team (`intranet.people.models.Team`) with one core group per role: the GED
grants its space to those groups.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import JoinPolicy, MemberRole, Status, Visibility

TITLE_MAX = 200


class Workspace(models.Model):
    name = models.CharField(_("nom"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("commanditaire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("chef de projet"), on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("début"), null=True, blank=True)
    end_date = models.DateField(_("fin prévue"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.SCOPING)
    visibility = models.CharField(
        _("visibilité"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    join_policy = models.CharField(
        _("pour rejoindre"), max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.REQUEST
    )
    # What each team provisioner (GED space, chat salon…) returned at creation, keyed by its registry key.
    refs = models.JSONField(default=dict, blank=True, editable=False)
    status_before_close = models.CharField(max_length=10, blank=True, default="", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    # The core team whose role groups hold the roster (intranet/people/team_groups.py); its key is team_key.
    # Nullable for one release: a workspace created by the previous release's code during a rolling upgrade
    # has none until the new code adopts it (actions._team_id). The next release makes it required.
    team = models.OneToOneField(
        "people.Team", null=True, on_delete=models.PROTECT, related_name="workspace", editable=False
    )

    class Meta:
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="projects_workspace_dates_ordered",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def closed(self) -> bool:
        return self.status == Status.CLOSED

    @property
    def team_key(self) -> str:
        return f"projects.workspace:{self.pk}"


class RosterGroup(models.Model):
    """The roster's groups as the previous release kept them, kept for one release so that its workers,
    still serving during a rolling upgrade (docs/operations.md), read and write what they expect: the
    current code writes these rows beside the core team (the same groups) and reads the core team. The next
    release drops this table (and makes Workspace.team required)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="roster_groups")
    role = models.CharField(max_length=12, choices=MemberRole.choices)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="project_roster")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "role"], name="projects_one_group_per_role")
        ]

    def __str__(self):
        return self.group.name


class Member(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_memberships"
    )
    role = models.CharField(
        _("rôle"), max_length=12, choices=MemberRole.choices, default=MemberRole.CONTRIBUTOR
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="projects_one_membership")]

    def __str__(self):
        return f"{self.user} @ {self.workspace}"


class Board(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="boards")
    name = models.CharField(_("nom"), max_length=120)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tableau")
        verbose_name_plural = _("tableaux")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name


class Column(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(_("nom"), max_length=80)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("colonne")
        verbose_name_plural = _("colonnes")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name


class Label(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(_("nom"), max_length=40)

    class Meta:
        verbose_name = _("étiquette")
        verbose_name_plural = _("étiquettes")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["board", "name"], name="projects_label_unique")]

    def __str__(self):
        return self.name


class Milestone(models.Model):
    """A named, dated step of a workspace; cards attach to at most one milestone (Card.milestone)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("nom"), max_length=120)
    date = models.DateField(_("date"))
    description = models.TextField(_("description"), blank=True, max_length=2000)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("jalon")
        verbose_name_plural = _("jalons")
        ordering = ["date", "pk"]

    def __str__(self):
        return self.name

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


class Template(models.Model):
    """A workspace or a board saved as a reusable structure (no people, no dates: offsets in days).

    ``data`` holds {"boards": [{"name", "columns": [str], "labels": [str], "cards": [{"title", "column",
    "labels": [str], "checklist": [str], "milestone"}]}], "milestones": [{"name", "offset_days"}]};
    projects/templates.py validates and applies it.
    """

    class Kind(models.TextChoices):
        WORKSPACE = "workspace", _("projet")
        BOARD = "board", _("tableau")

    name = models.CharField(_("nom"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.WORKSPACE)
    data = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("modèle de projet")
        verbose_name_plural = _("modèles de projet")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class CardQuerySet(models.QuerySet):
    def live(self):
        return self.filter(archived_at__isnull=True)


class Card(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="cards")
    column = models.ForeignKey(Column, on_delete=models.CASCADE, related_name="cards")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("titre"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), blank=True, max_length=20000)
    start_date = models.DateField(_("début"), null=True, blank=True)
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    assignees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="project_cards")
    labels = models.ManyToManyField(Label, blank=True, related_name="cards")
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("jalon"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cards",
    )
    # Optimistic concurrency: every edit of the card's content is an UPDATE … WHERE version = the version the
    # editor started from, which then grows by one.
    version = models.PositiveIntegerField(default=1)
    archived_at = models.DateTimeField(_("archivée le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CardQuerySet.as_manager()

    class Meta:
        verbose_name = _("carte")
        verbose_name_plural = _("cartes")
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["column", "position"], name="projects_card_column_pos")]

    def __str__(self):
        return self.title


class ChecklistItem(models.Model):
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="checklist")
    text = models.CharField(_("élément"), max_length=200)
    done = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text


class Comment(models.Model):
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("commentaire"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.text[:60]


class CardLink(models.Model):
    """A card's link to an object of another app (a GED document, a salon message), by the registry's link
    kind and the object's id. What the link shows — and whether it shows at all — is asked of the kind's
    app each time it is displayed (`intranet.registry.link_kind(kind).resolve`). `attachment`: the object
    was uploaded from the card (stored in the workspace's GED space)."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    attachment = models.BooleanField(default=False, db_default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["card", "kind", "object_id"], name="projects_cardlink_unique")
        ]

    def __str__(self):
        return f"{self.kind}:{self.object_id}"
