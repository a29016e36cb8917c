"""Kotje, the agents' know-how: themes of guides (« comment faire… ») and the catalogue of tools.

Page tree: HomePage → KotjeIndexPage → ThemePage → GuidePage, and KotjeIndexPage → ToolsIndexPage →
ToolPage / ToolFinderPage (« Quel outil pour… ? »). Tasks (« partager un fichier ») are snippets that tools
point to, so the catalogue filters by task and the finder answers per task.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from intranet.audience import AUDIENCE_PANELS, AudienceMixin
from intranet.templatetags.icons import THEME_ICON_CHOICES

from .choices import ToolStatus

RICH_FEATURES = ["bold", "italic", "link", "ol", "ul", "h3", "document-link"]


# --- Kotje home -----------------------------------------------------------------------------------------


class KotjeIndexPage(Page):
    """Kotje's home: its themes, the tools catalogue and « Quel outil pour… ? »."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["news.HomePage"]
    subpage_types = ["kotje.ThemePage", "kotje.ToolsIndexPage"]
    max_count = 1
    template = "kotje/kotje_index_page.html"

    class Meta:
        verbose_name = _("accueil de Kotje")

    def get_context(self, request, *args, **kwargs):
        from .queries import kotje_index_context

        context = super().get_context(request, *args, **kwargs)
        context.update(kotje_index_context(request.user, self))
        return context


# --- Themes and guides ----------------------------------------------------------------------------------


class ThemePage(Page):
    """A theme of guides (RH, Finances…), optionally run by a department, whose agents find its guides on
    their dashboard."""

    icon = models.CharField(
        _("pictogramme"),
        max_length=20,
        blank=True,
        choices=THEME_ICON_CHOICES,
        help_text=_("Un pictogramme décoratif affiché devant le titre ; facultatif."),
    )
    intro = models.TextField(_("introduction"), blank=True, max_length=600)
    department = models.ForeignKey(
        "people.Department",
        verbose_name=_("service référent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kotje_themes",
        help_text=_("Les agents de ce service voient les guides du thème sur leur tableau de bord."),
    )

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("icon"), FieldPanel("department")]),
        FieldPanel("intro"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["kotje.KotjeIndexPage"]
    subpage_types = ["kotje.GuidePage"]
    template = "kotje/theme_page.html"

    class Meta:
        verbose_name = _("thème de guides")
        verbose_name_plural = _("thèmes de guides")

    def get_context(self, request, *args, **kwargs):
        from .queries import breadcrumb, theme_guides

        context = super().get_context(request, *args, **kwargs)
        context["guides"] = theme_guides(request.user, self)
        context["breadcrumb"] = breadcrumb(self)
        return context


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("titre de l'étape"), max_length=200)
    text = blocks.RichTextBlock(label=_("explications"), features=RICH_FEATURES)
    image = ImageChooserBlock(label=_("illustration"), required=False)
    image_alt = blocks.CharBlock(
        label=_("texte alternatif de l'illustration"),
        required=False,
        max_length=250,
        help_text=_("Décrivez ce que montre l'image (obligatoire si une illustration est choisie)."),
    )
    attachment = DocumentChooserBlock(label=_("pièce jointe"), required=False)

    class Meta:
        label = _("étape")
        icon = "list-ol"

    def clean(self, value):
        cleaned = super().clean(value)
        if cleaned.get("image") and not cleaned.get("image_alt"):
            raise blocks.StructBlockValidationError(
                block_errors={
                    "image_alt": ValidationError(
                        _("Décrivez l'illustration en quelques mots pour les agents qui ne la voient pas.")
                    )
                }
            )
        return cleaned


class GuideQuerySet(PageQuerySet):
    def for_user(self, user):
        from intranet.audience import audience_q

        return self.filter(audience_q(GuidePage, user))

    def owned_by(self, *, person=None, department_id=None):
        condition = Q(pk__in=[])
        if person is not None:
            condition |= Q(content_owner_person=person)
        if department_id:
            condition |= Q(content_owner_department_id=department_id)
        return self.filter(condition)

    def review_due(self, today):
        return self.filter(next_review_on__lte=today)


GuideManager = PageManager.from_queryset(GuideQuerySet)


class GuidePage(AudienceMixin, Page):
    """A how-to guide: a summary, numbered steps, attachments, an owner who answers for its accuracy and
    re-reads it on schedule, and the agents' feedback."""

    summary = models.TextField(
        _("résumé"), max_length=500, help_text=_("Une ou deux phrases : à quoi sert ce guide, pour qui.")
    )
    steps = StreamField([("step", StepBlock())], verbose_name=_("étapes"), blank=True)
    content_owner_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("propriétaire du contenu : un agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kotje_owned_guides",
    )
    content_owner_department = models.ForeignKey(
        "people.Department",
        verbose_name=_("propriétaire du contenu : un service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kotje_owned_guides",
    )
    last_reviewed_on = models.DateField(_("dernière relecture le"), null=True, blank=True)
    next_review_on = models.DateField(
        _("prochaine relecture le"),
        null=True,
        blank=True,
        help_text=_("Laissé vide, il est calculé à partir de la dernière relecture."),
    )

    objects = GuideManager()

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("steps"),
        InlinePanel("attachments", label=_("pièces jointes à télécharger"), heading=_("Pièces jointes")),
        *AUDIENCE_PANELS,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("content_owner_person"), FieldPanel("content_owner_department")]),
                FieldRowPanel([FieldPanel("last_reviewed_on"), FieldPanel("next_review_on")]),
            ],
            heading=_("Propriétaire du contenu et relecture"),
            help_text=_(
                "Le propriétaire (un agent ou un service) répond de l'exactitude du guide : il est prévenu "
                "quand la relecture est en retard et voit les avis des agents."
            ),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("steps"),
        index.FilterField("audience_everyone"),
    ]
    parent_page_types = ["kotje.ThemePage"]
    subpage_types: list = []
    template = "kotje/guide_page.html"

    class Meta:
        verbose_name = _("guide")
        verbose_name_plural = _("guides")
        constraints = [
            models.CheckConstraint(
                condition=Q(content_owner_person__isnull=True) | Q(content_owner_department__isnull=True),
                name="kotje_guide_one_content_owner",
            ),
            models.CheckConstraint(
                condition=Q(last_reviewed_on__isnull=True)
                | Q(next_review_on__isnull=True)
                | Q(next_review_on__gt=models.F("last_reviewed_on")),
                name="kotje_guide_review_after_last_review",
            ),
        ]

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if self.content_owner_person_id and self.content_owner_department_id:
            errors.setdefault("content_owner_person", []).append(
                ValidationError(_("Choisissez un seul propriétaire : un agent ou un service, pas les deux."))
            )
        elif not self.content_owner_person_id and not self.content_owner_department_id:
            errors.setdefault("content_owner_person", []).append(
                ValidationError(
                    _("Choisissez le propriétaire du contenu : l'agent ou le service qui répond de ce guide.")
                )
            )
        if self.last_reviewed_on and not self.next_review_on:
            self.next_review_on = self.last_reviewed_on + timedelta(days=settings.KOTJE_REVIEW_PERIOD_DAYS)
        if self.last_reviewed_on and self.next_review_on and self.next_review_on <= self.last_reviewed_on:
            errors.setdefault("next_review_on", []).append(
                ValidationError(
                    _("La prochaine relecture doit venir après la dernière relecture (le %(date)s).")
                    % {"date": self.last_reviewed_on.strftime("%d/%m/%Y")}
                )
            )
        if errors:
            raise ValidationError(errors)

    def serve(self, request, *args, **kwargs):
        # Agents see only guides addressed to them; the others get the same 404 as a missing page.
        # Wagtail's preview serves the draft to its editor, whoever the audience is.
        if not getattr(request, "is_preview", False) and not self.is_for(request.user):
            raise Http404
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .queries import guide_context

        context = super().get_context(request, *args, **kwargs)
        context.update(guide_context(request, self))
        return context

    @property
    def content_owner(self):
        return self.content_owner_person or self.content_owner_department

    def is_review_overdue(self, today) -> bool:
        return self.next_review_on is not None and self.next_review_on < today

    def step_images(self) -> list:
        return [s.value["image"] for s in self.steps if s.block_type == "step" and s.value.get("image")]

    def attached_document_ids(self) -> set[int]:
        ids = {a.document_id for a in self.attachments.all()}
        for step in self.steps:
            if step.block_type == "step" and step.value.get("attachment"):
                ids.add(step.value["attachment"].pk)
        return ids


class GuideAttachment(Orderable):
    page = ParentalKey(GuidePage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name=_("document"), on_delete=models.CASCADE, related_name="+"
    )
    label = models.CharField(
        _("intitulé"), max_length=200, blank=True, help_text=_("Sinon, le titre du document.")
    )

    panels = [FieldPanel("document"), FieldPanel("label")]

    class Meta(Orderable.Meta):
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")

    @property
    def display_label(self) -> str:
        return self.label or self.document.title


class GuideFeedback(models.Model):
    """« Cette page vous a-t-elle aidé ? »: one answer per agent and guide; answering again updates it."""

    guide = models.ForeignKey(GuidePage, on_delete=models.CASCADE, related_name="feedbacks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField(_("utile"))
    comment = models.TextField(_("commentaire"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("donné le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("avis sur un guide")
        verbose_name_plural = _("avis sur les guides")
        constraints = [models.UniqueConstraint(fields=["guide", "user"], name="kotje_feedback_one_per_agent")]
        indexes = [models.Index(fields=["guide", "-updated_at"])]

    def __str__(self):
        return f"{self.guide_id} · {self.user_id} · {'+' if self.helpful else '-'}"


class ReviewReminder(models.Model):
    """A reminder sent for an overdue review; one per guide and day at most, which makes the command
    idempotent (run it as often as you like)."""

    guide = models.ForeignKey(GuidePage, on_delete=models.CASCADE, related_name="review_reminders")
    sent_on = models.DateField(_("envoyé le"))
    recipients = models.PositiveIntegerField(_("destinataires"), default=0)

    class Meta:
        verbose_name = _("rappel de relecture")
        verbose_name_plural = _("rappels de relecture")
        constraints = [
            models.UniqueConstraint(fields=["guide", "sent_on"], name="kotje_review_reminder_once_a_day")
        ]

    def __str__(self):
        return f"{self.guide_id} · {self.sent_on}"


# --- Tools catalogue ------------------------------------------------------------------------------------


class Task(index.Indexed, models.Model):
    """Something an agent wants to do (« partager un fichier »), answered by one or more tools."""

    name = models.CharField(
        _("tâche"), max_length=120, help_text=_("À l'infinitif : « Partager un fichier ».")
    )
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    description = models.CharField(_("précision"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("ordre"), default=100)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description"), FieldPanel("sort_order")]
    search_fields = [index.SearchField("name"), index.SearchField("description")]

    class Meta:
        verbose_name = _("tâche (Quel outil pour… ?)")
        verbose_name_plural = _("tâches (Quel outil pour… ?)")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class ToolsIndexPage(Page):
    """The catalogue of tools, filtered by status and by task."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["kotje.KotjeIndexPage"]
    subpage_types = ["kotje.ToolPage", "kotje.ToolFinderPage"]
    max_count = 1
    template = "kotje/tools_index_page.html"

    class Meta:
        verbose_name = _("catalogue des outils")

    def get_context(self, request, *args, **kwargs):
        from .queries import catalogue_context

        context = super().get_context(request, *args, **kwargs)
        context.update(catalogue_context(request, self))
        return context


class ToolPage(Page):
    """A tool agents may (or may not) use for their work, with what the data protection officer knows."""

    status = models.CharField(
        _("statut"), max_length=12, choices=ToolStatus.choices, default=ToolStatus.APPROVED
    )
    purpose = models.TextField(_("à quoi sert-il ?"), max_length=600)
    description = RichTextField(_("présentation"), blank=True, features=RICH_FEATURES)
    who_may_use = models.TextField(_("qui peut l'utiliser ?"), max_length=600, blank=True)
    how_to_get_access = models.TextField(_("comment obtenir l'accès ?"), max_length=1000, blank=True)
    tool_url = models.CharField(
        _("adresse de l'outil"),
        max_length=300,
        blank=True,
        help_text=_("Un chemin de l'intranet (/documents/) ou une adresse complète (https://…)."),
    )
    guide = models.ForeignKey(
        GuidePage,
        verbose_name=_("guide d'utilisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tools",
    )
    contact_department = models.ForeignKey(
        "people.Department",
        verbose_name=_("service à contacter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kotje_tools",
    )
    contact_details = models.CharField(
        _("contact"), max_length=200, blank=True, help_text=_("Adresse électronique, téléphone ou poste.")
    )
    gdpr_register_ref = models.CharField(
        _("référence au registre des traitements (RGPD)"), max_length=60, blank=True
    )
    data_location = models.CharField(_("où sont stockées les données ?"), max_length=300, blank=True)
    use_instead = models.ForeignKey(
        "self",
        verbose_name=_("utiliser plutôt"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
        help_text=_("Obligatoire pour un outil interdit : l'outil autorisé qui rend le même service."),
    )
    tasks = ParentalManyToManyField(
        Task,
        verbose_name=_("tâches (Quel outil pour… ?)"),
        blank=True,
        related_name="tools",
    )

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("status"), FieldPanel("use_instead")]),
        FieldPanel("purpose"),
        FieldPanel("tasks"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("who_may_use"),
                FieldPanel("how_to_get_access"),
                FieldPanel("tool_url"),
                FieldPanel("guide"),
                FieldRowPanel([FieldPanel("contact_department"), FieldPanel("contact_details")]),
            ],
            heading=_("Accès et contact"),
        ),
        MultiFieldPanel(
            [FieldPanel("gdpr_register_ref"), FieldPanel("data_location")],
            heading=_("Protection des données"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("purpose"),
        index.SearchField("description"),
        index.SearchField("who_may_use"),
        index.SearchField("how_to_get_access"),
        index.SearchField("data_location"),
        index.RelatedFields("tasks", [index.SearchField("name"), index.SearchField("description")]),
        index.FilterField("status"),
    ]
    parent_page_types = ["kotje.ToolsIndexPage"]
    subpage_types: list = []
    template = "kotje/tool_page.html"

    class Meta:
        verbose_name = _("outil")
        verbose_name_plural = _("outils")

    def clean(self):
        super().clean()
        errors = {}
        if self.status == ToolStatus.FORBIDDEN and not self.use_instead_id:
            errors["use_instead"] = _(
                "Un outil interdit doit indiquer l'outil autorisé à utiliser à sa place."
            )
        elif self.use_instead_id:
            if self.pk and self.use_instead_id == self.pk:
                errors["use_instead"] = _(
                    "Un outil ne peut pas se remplacer lui-même : choisissez-en un autre."
                )
            elif self.use_instead.status == ToolStatus.FORBIDDEN:
                errors["use_instead"] = _(
                    "L'outil proposé à la place est lui-même interdit : "
                    "choisissez un outil autorisé ou toléré."
                )
        if self.tool_url and not (
            self.tool_url.startswith(("https://", "http://"))
            or (self.tool_url.startswith("/") and not self.tool_url.startswith("//"))
        ):
            errors["tool_url"] = _(
                "Indiquez un chemin de l'intranet commençant par « / » ou une adresse commençant par "
                "« https:// »."
            )
        if errors:
            raise ValidationError(errors)

    def get_context(self, request, *args, **kwargs):
        from .queries import tool_context

        context = super().get_context(request, *args, **kwargs)
        context.update(tool_context(request, self))
        return context


class ToolFinderPage(Page):
    """« Quel outil pour… ? »: each task with the tools to use (and those not to use)."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("task_names")]
    parent_page_types = ["kotje.ToolsIndexPage"]
    subpage_types: list = []
    max_count = 1
    template = "kotje/tool_finder_page.html"

    class Meta:
        verbose_name = _("page « Quel outil pour… ? »")

    def task_names(self) -> str:
        """Indexed with the page, so that searching « partager un fichier » finds the finder too."""
        return " ; ".join(Task.objects.values_list("name", flat=True))

    def get_context(self, request, *args, **kwargs):
        from .queries import finder_context

        context = super().get_context(request, *args, **kwargs)
        context.update(finder_context(request, self))
        return context
