from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.images.blocks import ImageBlock
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from intranet.audience import AUDIENCE_PANELS, AudienceMixin, audience_q

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul", "document-link"]


class QuickLinkBlock(blocks.StructBlock):
    """A link of the dashboard's « Accès rapides »: a path inside the intranet or an http(s) address."""

    label = blocks.CharBlock(label=_("Libellé"), max_length=80)
    url = blocks.CharBlock(
        label=_("Adresse"), max_length=500, help_text=_("Un chemin de l'intranet (/annuaire/) ou https://…")
    )

    class Meta:
        icon = "link"
        label = _("Lien")

    def clean(self, value):
        value = super().clean(value)
        url = value.get("url", "")
        if not (url.startswith("/") and not url.startswith("//")) and not url.startswith(
            ("https://", "http://")
        ):
            raise blocks.StructBlockValidationError(
                block_errors={
                    "url": ValidationError(
                        _(
                            "Indiquez un chemin qui commence par « / » ou une adresse qui commence par https://."
                        )
                    )
                }
            )
        return value


class HomePage(Page):
    """The site root: each agent's dashboard. Panels come from the apps through the dashboard registry."""

    welcome = RichTextField(_("message d'accueil"), blank=True, features=["bold", "italic", "link"])
    quick_links = StreamField(
        [("link", QuickLinkBlock())], verbose_name=_("accès rapides"), blank=True, max_num=12
    )

    content_panels = [*Page.content_panels, FieldPanel("welcome"), FieldPanel("quick_links")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("page d'accueil")

    def get_context(self, request, *args, **kwargs):
        from .queries import dashboard_context

        context = super().get_context(request, *args, **kwargs)
        context.update(dashboard_context(request, self))
        return context


class NewsCategory(models.Model):
    """A news category (« Vie de la CCFI », « Ressources humaines »…), managed as a snippet."""

    name = models.CharField(_("nom"), max_length=80, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        verbose_name = _("catégorie d'actualité")
        verbose_name_plural = _("catégories d'actualité")
        ordering = ["name"]

    def __str__(self):
        return self.name


class NewsIndexPage(Page):
    """The news list: only what is addressed to the agent, filtered by category, paginated."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["news.HomePage"]
    subpage_types = ["news.NewsPage"]

    class Meta:
        verbose_name = _("liste des actualités")

    def get_context(self, request, *args, **kwargs):
        from .queries import news_listing

        context = super().get_context(request, *args, **kwargs)
        context.update(news_listing(request, self))
        return context


class NewsPageQuerySet(PageQuerySet):
    def for_user(self, user):
        """Live news addressed to `user` (everyone, their employer, their department or a parent of it)."""
        return self.live().filter(audience_q(self.model, user))

    def must_read(self):
        return self.filter(must_read=True)

    def unacknowledged_by(self, user):
        return self.filter(~Exists(Acknowledgement.objects.filter(page=OuterRef("pk"), user=user)))


NewsPageManager = PageManager.from_queryset(NewsPageQuerySet)


class NewsPage(RoutablePageMixin, AudienceMixin, Page):
    """A news item. Agents outside its audience get a 404, as for a page that does not exist."""

    intro = models.TextField(
        _("chapeau"), max_length=500, help_text=_("Deux ou trois phrases, sans mise en forme.")
    )
    body = StreamField(
        [
            ("paragraph", blocks.RichTextBlock(label=_("Paragraphe"), features=RICH_TEXT_FEATURES)),
            ("image", ImageBlock(label=_("Image"))),
            ("document", DocumentChooserBlock(label=_("Document"))),
            (
                "quote",
                blocks.StructBlock(
                    [
                        ("text", blocks.TextBlock(label=_("Citation"))),
                        ("author", blocks.CharBlock(label=_("Auteur"), required=False)),
                    ],
                    label=_("Citation"),
                    icon="openquote",
                    template="news/blocks/quote.html",
                ),
            ),
        ],
        verbose_name=_("contenu"),
        blank=True,
    )
    category = models.ForeignKey(
        NewsCategory,
        verbose_name=_("catégorie"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="news",
    )
    must_read = models.BooleanField(
        _("à lire obligatoirement"),
        default=False,
        help_text=_("Les destinataires doivent confirmer leur lecture (« J'ai lu »)."),
    )
    must_read_due = models.DateField(_("à lire avant le"), null=True, blank=True)

    objects = NewsPageManager()

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("category"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("must_read"), FieldPanel("must_read_due")])],
            heading=_("Lecture obligatoire"),
        ),
        *AUDIENCE_PANELS,
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.FilterField("must_read"),
    ]
    parent_page_types = ["news.NewsIndexPage"]
    subpage_types: list = []

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")

    def clean(self):
        super().clean()
        if self.must_read_due and not self.must_read:
            raise ValidationError(
                {
                    "must_read_due": _(
                        "Une date limite n'a de sens que pour une actualité à lire obligatoirement."
                    )
                }
            )

    @property
    def date(self):
        return self.first_published_at or self.latest_revision_created_at or timezone.now()

    def serve(self, request, *args, **kwargs):
        # Outside the audience it does not exist, except for those who follow its reading (author, managers).
        from .permissions import can_follow_readers

        if not (self.is_for(request.user) or can_follow_readers(request.user, self)):
            raise Http404
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .queries import news_detail_context

        context = super().get_context(request, *args, **kwargs)
        context.update(news_detail_context(request, self))
        return context

    @path("lu/", name="acknowledge")
    def acknowledge(self, request):
        from .views import acknowledge

        return acknowledge(request, self)

    @path("lectures/", name="readers")
    def readers(self, request):
        from .views import readers

        return readers(request, self)


class Acknowledgement(models.Model):
    """« J'ai lu »: an agent confirmed reading a must-read news item. Once per agent and page."""

    page = models.ForeignKey(NewsPage, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    acknowledged_at = models.DateTimeField(_("lu le"), default=timezone.now)

    class Meta:
        verbose_name = _("confirmation de lecture")
        verbose_name_plural = _("confirmations de lecture")
        constraints = [models.UniqueConstraint(fields=["page", "user"], name="news_ack_once_per_user")]

    def __str__(self):
        return f"{self.user_id} → {self.page_id}"


class MustReadReminder(models.Model):
    """A reminder sent to an agent who has not acknowledged a must-read: at most one a day (the constraint
    makes `must_read_remind` idempotent)."""

    page = models.ForeignKey(NewsPage, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField(_("envoyé le"))

    class Meta:
        verbose_name = _("relance de lecture")
        verbose_name_plural = _("relances de lecture")
        constraints = [
            models.UniqueConstraint(fields=["page", "user", "sent_on"], name="news_reminder_once_a_day")
        ]
        indexes = [models.Index(fields=["page", "user", "-sent_on"], name="news_reminder_last")]

    def __str__(self):
        return f"{self.user_id} → {self.page_id} ({self.sent_on})"
