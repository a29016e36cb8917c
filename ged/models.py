"""Spaces, folders, documents and immutable versions; role grants on folders (django-guardian direct FK).

Rules live in the actions package and permissions.py; this module only holds fields, constraints and
QuerySet verbs.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from treebeard.mp_tree import MP_Node

from intranet.dashboard import TopicQuerySetMixin
from intranet.history import HistoricalRecords, SavedWithHistory

from .choices import Role, ShareRole, SpacePolicy
from .names import title_key

LIVE_TITLE_CONSTRAINT = "ged_document_live_title_unique"


class SpaceQuerySet(TopicQuerySetMixin, models.QuerySet):
    dashboard_topics = ("ged",)

    def live(self):
        return self.filter(archived_at__isnull=True)


class Space(SavedWithHistory, models.Model):
    """A document space: a root folder, a policy, an owning department."""

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    policy = models.CharField(
        _("visibilité"), max_length=10, choices=SpacePolicy.choices, default=SpacePolicy.PRIVATE
    )
    department = models.ForeignKey(
        "people.Department",
        verbose_name=_("service propriétaire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ged_spaces",
    )
    root = models.OneToOneField(
        "Folder", verbose_name=_("dossier racine"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    archived_at = models.DateTimeField(_("archivé le"), null=True, blank=True)
    # Read-only for everyone (a closed project's space): every write path refuses, whatever the grants;
    # set and cleared by `space_freeze`.
    frozen = models.BooleanField(_("en lecture seule"), default=False, db_default=False)

    history = HistoricalRecords()
    objects = SpaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("espace documentaire")
        verbose_name_plural = _("espaces documentaires")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Folder(SavedWithHistory, MP_Node):
    """A folder of a space's tree (materialized path). "
    "`restricted` stops the inheritance of grants from above."""

    space = models.ForeignKey(
        Space, verbose_name=_("espace"), on_delete=models.CASCADE, related_name="folders"
    )
    name = models.CharField(_("nom"), max_length=255)
    restricted = models.BooleanField(
        _("accès restreint"),
        default=False,
        help_text=_("Les droits donnés sur les dossiers parents ne s'appliquent plus ici."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    trashed_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)

    # The activity pages read one folder's rows, newest first; nobody reads history by path or author.
    history = HistoricalRecords(
        excluded_fields=["numchild"],
        no_db_index=["id", "path", "space", "created_by", "history_date", "history_user"],
        indexes=[models.Index(fields=["id", "history_date"], name="ged_hfolder_id_date")],
    )

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        permissions = [(f"role_{role.value}", f"Role {role.value}") for role in Role]
        indexes = [
            # LIKE 'prefix%' on the path (readable folders, subtrees) uses this index on PostgreSQL.
            models.Index(fields=["path"], name="ged_folder_path_like", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["space", "restricted"], name="ged_folder_space_restricted"),
        ]

    def __str__(self):
        return self.name


class DocumentQuerySet(TopicQuerySetMixin, models.QuerySet):
    # « Documents récents » on the home page: bulk writes bump it too (saves and deletes: receivers.py).
    dashboard_topics = ("ged",)

    def live(self):
        """Documents everyone sees: not in the trash, not a WebDAV placeholder."""
        return self.filter(trashed_at__isnull=True, placeholder=False)

    def untrashed(self):
        """Every document holding a name in its folder, WebDAV placeholders included (the title rule)."""
        return self.filter(trashed_at__isnull=True)

    def for_dav(self, user):
        """What a DAV client of `user` sees: live documents plus the placeholders that user's LOCK made."""
        return self.filter(Q(placeholder=False) | Q(created_by=user), trashed_at__isnull=True)

    def titled(self, title: str):
        """Documents whose title collides with `title` (same title_key)."""
        return self.filter(title_key=title_key(title))

    def bulk_create(self, objs, *args, **kwargs):
        for obj in objs:
            obj.title_key = title_key(obj.title)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "title" in fields and "title_key" not in fields:
            for obj in objs:
                obj.title_key = title_key(obj.title)
            fields = [*fields, "title_key"]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        """A bare `.update(title=…)` keeps `title_key` in step too (the collision rule and its unique index
        depend on it). A title computed in the database (an F() or function) cannot be keyed here: refused."""
        if "title" in kwargs and "title_key" not in kwargs:
            if not isinstance(kwargs["title"], str):
                raise ValueError("Document.title updated from an expression: pass title_key as well")
            kwargs["title_key"] = title_key(kwargs["title"])
        return super().update(**kwargs)

    def trashed(self):
        return self.filter(trashed_at__isnull=False, placeholder=False)


class Document(SavedWithHistory, models.Model):
    title = models.CharField(_("nom"), max_length=255)
    # names.title_key(title), kept in step by save(), bulk_create(), bulk_update() and update(): the partial
    # unique index below makes two live documents of one folder whose names differ only by case or Unicode
    # form impossible (tests/ged/test_title_key_updates.py scans the code for writes that would skip it).
    title_key = models.CharField(max_length=1024, editable=False, default="")
    space = models.ForeignKey(
        Space, verbose_name=_("espace"), on_delete=models.CASCADE, related_name="documents"
    )
    folder = models.ForeignKey(
        Folder, verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="documents"
    )
    current_version = models.ForeignKey(
        "Version", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(_("description"), blank=True)
    tags = models.CharField(
        _("mots-clés"), max_length=500, blank=True, help_text=_("Séparés par des virgules.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)
    lock_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("réservé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lock_expires_at = models.DateTimeField(_("réservé jusqu'au"), null=True, blank=True)
    trashed_at = models.DateTimeField(_("mis à la corbeille le"), null=True, blank=True)
    trashed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Full text of the current version, filled by a background task (ged/tasks.py); not part of history.
    text_content = models.TextField(blank=True, default="")
    text_version = models.PositiveIntegerField(null=True, blank=True)
    # Set by ged_import: the source path, so a re-run imports nothing twice.
    import_key = models.CharField(max_length=1000, null=True, blank=True, unique=True)
    # Made by a WebDAV LOCK on an unmapped URL (RFC 4918 7.3, ged/webdav/locks.py): no version yet, hidden
    # from the web, the API, search and every listing; shown to its creator's DAV client as a 0-byte file.
    # Its first version makes it a normal document; an UNLOCK (or the lock's expiry) before that deletes it.
    placeholder = models.BooleanField(default=False, editable=False)
    # PostgreSQL: title (A), tags and description (B) and text (C) in the `french_unaccent` configuration,
    # written by a trigger on every insert and every update of those columns (migration 0004), whatever path
    # writes them (actions, extraction, bulk imports); GIN-indexed. Always empty on SQLite.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    history = HistoricalRecords(
        excluded_fields=[
            "text_content",
            "text_version",
            "current_version",
            "import_key",
            "search_vector",
            "title_key",
            "placeholder",
        ],
        # What the activity pages read (queries/activity.py): one document's rows or a space's rows, newest
        # first. The other copied foreign keys, the date alone and the author are never filtered on: no index
        # to write on every save.
        no_db_index=[
            "id",
            "space",
            "folder",
            "created_by",
            "lock_holder",
            "trashed_by",
            "history_date",
            "history_user",
        ],
        indexes=[
            models.Index(fields=["id", "history_date"], name="ged_hdoc_id_date"),
            models.Index(fields=["space", "history_date"], name="ged_hdoc_space_date"),
        ],
    )
    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            models.Index(fields=["folder", "trashed_at", "title"], name="ged_doc_folder_title"),
            models.Index(fields=["space", "trashed_at"], name="ged_doc_space_trash"),
            models.Index(fields=["updated_at"], name="ged_doc_updated"),
        ]
        constraints = [
            # The title-collision rule in the database (the actions give the friendly answer first):
            # one live document per name in a folder, names compared by title_key.
            models.UniqueConstraint(
                fields=["folder", "title_key"],
                condition=Q(trashed_at__isnull=True),
                name=LIVE_TITLE_CONSTRAINT,
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.title_key = title_key(self.title)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "title" in update_fields and "title_key" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "title_key"]
        super().save(*args, **kwargs)

    def lock_active(self, now=None) -> bool:
        return bool(
            self.lock_holder_id and self.lock_expires_at and self.lock_expires_at > (now or timezone.now())
        )


class Blob(models.Model):
    """Content-addressed bytes: stored once under their sha256, whatever the number of versions using them."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contenu")
        verbose_name_plural = _("contenus")

    def __str__(self):
        return self.sha256


class Version(models.Model):
    """An immutable version of a document. Only `milestone` (a label) may change after creation."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("numéro"))
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="versions")
    size = models.BigIntegerField(_("taille"))
    mime_type = models.CharField(_("type"), max_length=120)
    original_name = models.CharField(_("nom d'origine"), max_length=255)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.CharField(_("commentaire"), max_length=500, blank=True)
    milestone = models.CharField(_("jalon"), max_length=100, blank=True)
    restored_from = models.PositiveIntegerField(_("restaurée depuis la version"), null=True, blank=True)
    # Saved from an online-editing session after an upload, a restore or a check-out replaced the version
    # that session was editing: kept rather than refused, so that no co-edit is ever lost.
    conflict = models.BooleanField(_("en conflit"), default=False)
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="ged_version_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="ged_version_number_positive"),
        ]

    def __str__(self):
        return f"{self.document_id} v{self.number}"


class Follow(models.Model):
    """An agent follows a document or a folder to hear about new versions."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ged_follows")
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    folder = models.ForeignKey(
        Folder, null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(document__isnull=False, folder__isnull=True)
                | Q(document__isnull=True, folder__isnull=False),
                name="ged_follow_one_target",
            ),
            models.UniqueConstraint(fields=["user", "document"], name="ged_follow_unique_document"),
            models.UniqueConstraint(fields=["user", "folder"], name="ged_follow_unique_folder"),
        ]

    def __str__(self):
        return f"{self.user_id} → {self.document_id or self.folder_id}"


class FolderUserObjectPermission(UserObjectPermissionBase):
    """A role granted to an agent on a folder (guardian direct-FK table; one permission per role)."""

    content_object = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="user_grants")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("droit d'un agent")
        verbose_name_plural = _("droits des agents")


class FolderGroupObjectPermission(GroupObjectPermissionBase):
    """A role granted to a group (a department's group) on a folder."""

    content_object = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="group_grants")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("droit d'un groupe")
        verbose_name_plural = _("droits des groupes")


class DocumentGrant(models.Model):
    """A document shared on its own with an agent or a group (a department's group). The grantee reads it (or
    also sends new versions, `ShareRole.EDITOR`) through the same gate as everything else, without any
    access to its folder. The grant follows the document (move, trash and restore keep it; purge deletes
    it)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ged_document_grants",
    )
    group = models.ForeignKey(
        "auth.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="ged_document_grants"
    )
    role = models.CharField(_("rôle"), max_length=10, choices=ShareRole.choices, default=ShareRole.READER)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("partagé le"), default=timezone.now)

    class Meta:
        verbose_name = _("partage d'un document")
        verbose_name_plural = _("partages de documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, group__isnull=True)
                | Q(user__isnull=True, group__isnull=False),
                name="ged_docgrant_one_grantee",
            ),
            # The gate takes the first role in alphabetical order as the highest: only these two exist.
            models.CheckConstraint(condition=Q(role__in=["reader", "editor"]), name="ged_docgrant_role"),
            models.UniqueConstraint(
                fields=["document", "user"], condition=Q(user__isnull=False), name="ged_docgrant_unique_user"
            ),
            models.UniqueConstraint(
                fields=["document", "group"],
                condition=Q(group__isnull=False),
                name="ged_docgrant_unique_group",
            ),
        ]

    def __str__(self):
        return f"{self.document_id} → {self.user_id or self.group_id} ({self.role})"


class EditorKey(models.Model):
    """The OnlyOffice `document.key` of one version of a document, shared by all its co-editors.

    Valid while it is not retired and `version` is still the document's current version: a version stored
    from a save (status 2), an upload or a restore makes it stale, and the next opener gets a new key.
    A force-save (status 6) moves `version` forward and keeps the key, since the editing session goes on."""

    key = models.CharField(max_length=128, unique=True)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="editor_keys")
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    # User ids connected in edit mode, from the last status-1 callback.
    editors = models.JSONField(default=list, blank=True)
    # sha256 of the last file saved under this key: the same file sent again is a duplicate callback.
    saved_sha256 = models.CharField(max_length=64, blank=True)
    # Retired by its own stored status-2 save: the session is over, new content under it is refused. A key
    # retired otherwise (out-of-band change, see `interruption`) keeps accepting its session's saves as
    # conflict versions.
    closed_by_save = models.BooleanField(default=False)
    # The out-of-band change that retired the key while its session was open: upload, restore, checkout.
    interruption = models.CharField(max_length=20, blank=True)
    interrupted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("clé d'édition en ligne")
        verbose_name_plural = _("clés d'édition en ligne")
        constraints = [
            models.UniqueConstraint(
                fields=["document"], condition=Q(retired_at__isnull=True), name="ged_editorkey_one_active"
            )
        ]

    def __str__(self):
        return self.key


class OnlineSave(models.Model):
    """What the Document Server sent with a saved version: its `history` and the `changes.zip`, for the
    history viewer of the editor."""

    version = models.OneToOneField(Version, on_delete=models.CASCADE, related_name="online_save")
    key = models.CharField(max_length=128)
    status = models.PositiveSmallIntegerField()
    history = models.JSONField(default=dict, blank=True)
    changes_zip = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("enregistrement en ligne")
        verbose_name_plural = _("enregistrements en ligne")

    def __str__(self):
        return f"{self.version_id} ({self.key})"


class UploadSession(models.Model):
    """A resumable upload (issue 12 part 7): the client sends chunks at the offset the server reports; the
    bytes go to one spool file in the store's tmp dir, hashed as they arrive (`hash_state` is the SHA-256
    state after `received` bytes), and `upload_session_finish` moves that file into the blob store.

    The id is generated here and unguessable; only the owner may use it (others get 404)."""

    id = models.CharField(primary_key=True, max_length=64, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Exactly one target: a folder (a new document, or a new version of the same name) or a document.
    folder = models.ForeignKey(Folder, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(_("nom du fichier"), max_length=255)
    comment = models.CharField(_("commentaire"), max_length=500, blank=True)
    size = models.BigIntegerField(_("taille annoncée"))
    received = models.BigIntegerField(_("octets reçus"), default=0)
    hash_state = models.BinaryField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expire le"), db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("envoi en cours")
        verbose_name_plural = _("envois en cours")
        constraints = [
            models.CheckConstraint(
                condition=Q(folder__isnull=False, document__isnull=True)
                | Q(folder__isnull=True, document__isnull=False),
                name="ged_uploadsession_one_target",
            ),
            models.CheckConstraint(
                condition=Q(size__gte=1, received__gte=0, received__lte=models.F("size")),
                name="ged_uploadsession_offset_in_size",
            ),
        ]

    def __str__(self):
        return f"{self.filename} ({self.received}/{self.size})"


class DavLock(models.Model):
    """A WebDAV lock (RFC 4918), stored by `ged.webdav.locks.GedLockStorage`: the database is the one truth
    for every DAV process. An exclusive lock on a document is also that document's check-out (`checkout`),
    so the web shows « réservé par … » while it lasts; folder, shared and unmapped-URL locks live here alone.

    `root` is the lock's normalized URL (quoted, no trailing slash), what wsgidav asks about; `document`
    and `folder` name the resource it was taken on."""

    token = models.CharField(max_length=120, unique=True)
    root = models.CharField(max_length=2000, db_index=True)
    principal = models.CharField(max_length=150)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.CASCADE, related_name="dav_locks"
    )
    folder = models.ForeignKey(Folder, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=10)
    depth = models.CharField(max_length=10)
    owner = models.TextField(blank=True)
    timeout = models.IntegerField()
    expires_at = models.DateTimeField(db_index=True)
    checkout = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("verrou WebDAV")
        verbose_name_plural = _("verrous WebDAV")
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=["exclusive", "shared"]), name="ged_davlock_scope"),
            models.CheckConstraint(condition=Q(depth__in=["0", "infinity"]), name="ged_davlock_depth"),
            # Two processes granting an exclusive lock on one URL at the same moment: the second insert fails.
            models.UniqueConstraint(
                fields=["root"], condition=Q(scope="exclusive"), name="ged_davlock_one_exclusive"
            ),
        ]

    def __str__(self):
        return f"{self.root} ({self.scope}, {self.principal})"


class DavProperty(models.Model):
    """A WebDAV dead property (PROPPATCH), keyed by the document or folder, not by its path: it follows a
    MOVE or a rename, a COPY copies it, the trash keeps it for a restore, a purge removes it
    (`ged.webdav.props`)."""

    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.CASCADE, related_name="dav_properties"
    )
    folder = models.ForeignKey(
        Folder, null=True, blank=True, on_delete=models.CASCADE, related_name="dav_properties"
    )
    name = models.CharField(max_length=1000)
    value = models.TextField()

    class Meta:
        verbose_name = _("propriété WebDAV")
        verbose_name_plural = _("propriétés WebDAV")
        constraints = [
            models.CheckConstraint(
                condition=Q(document__isnull=False, folder__isnull=True)
                | Q(document__isnull=True, folder__isnull=False),
                name="ged_davprop_one_target",
            ),
            models.UniqueConstraint(
                fields=["document", "name"], condition=Q(document__isnull=False), name="ged_davprop_doc_name"
            ),
            models.UniqueConstraint(
                fields=["folder", "name"], condition=Q(folder__isnull=False), name="ged_davprop_folder_name"
            ),
        ]

    def __str__(self):
        return f"{self.document_id or self.folder_id} {self.name}"
