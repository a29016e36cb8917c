from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Locale,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from intranet import dashboard
from intranet.notifications.actions import notify

from .models import Acknowledgement, HomePage, MustReadReminder, NewsIndexPage, NewsPage
from .permissions import EDITORS_GROUP, MANAGERS_GROUP

WORKFLOW_NAME = "Validation des actualités"
TASK_NAME = "Validation par la communication"


@transaction.atomic
def home_page_ensure() -> HomePage:
    """The home page as the default site's root, created if missing (fresh or emptied database)."""
    home = HomePage.objects.first()
    if home is None:
        Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
        home = root.add_child(instance=HomePage(title="Accueil", slug="accueil"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home, "site_name": "Intranet"}
    )
    return home


@transaction.atomic
def news_index_ensure(*, title: str = "Actualités", slug: str = "actualites") -> NewsIndexPage:
    """The news list under the home page, created (published) if missing."""
    index = NewsIndexPage.objects.first()
    if index is None:
        home = home_page_ensure()
        index = home.add_child(
            instance=NewsIndexPage(
                title=title,
                slug=slug,
                intro="Les nouvelles de la CCFI et des communes, pour vous.",
            )
        )
        index.save_revision().publish()
    return index


@transaction.atomic
def news_moderation_ensure(*, index: NewsIndexPage) -> Workflow:
    """The groups « Rédacteurs » (write and submit news) and « Responsables communication » (approve and
    publish), their permissions on the news list, and the workflow « Validation des actualités » bound to it.
    Idempotent: missing pieces are added, nothing is removed (what IT changed in the admin stays)."""
    admin_access = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    page_perms = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="wagtailcore",
            codename__in=["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
        )
    }
    media_perms = list(
        Permission.objects.filter(
            content_type__app_label__in=["wagtailimages", "wagtaildocs"],
            codename__in=["add_image", "choose_image", "add_document", "choose_document"],
        )
    )
    category_perms = list(
        Permission.objects.filter(content_type__app_label="news", content_type__model="newscategory").exclude(
            codename__startswith="view"
        )
    )
    root_collection = Collection.get_first_root_node()
    grants = {
        EDITORS_GROUP: ["add_page", "change_page", "lock_page"],
        MANAGERS_GROUP: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    }
    groups = {}
    for name, codenames in grants.items():
        group, _created = Group.objects.get_or_create(name=name)
        groups[name] = group
        if not group.permissions.filter(pk=admin_access.pk).exists():  # a re-seed writes nothing
            group.permissions.add(admin_access)
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(
                group=group, page=index, permission=page_perms[codename]
            )
        if root_collection is not None:
            for permission in media_perms:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission
                )
    held = set(groups[MANAGERS_GROUP].permissions.values_list("pk", flat=True))
    missing = [permission for permission in category_perms if permission.pk not in held]
    if missing:
        groups[MANAGERS_GROUP].permissions.add(*missing)

    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    if not task.groups.filter(pk=groups[MANAGERS_GROUP].pk).exists():
        task.groups.add(groups[MANAGERS_GROUP])
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    if not WorkflowPage.objects.filter(page=index, workflow=workflow).exists():
        WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
    return workflow


def acknowledgement_record(*, page: NewsPage, user) -> tuple[Acknowledgement, bool]:
    """« J'ai lu »: record that `user` read the must-read `page`; a second time changes nothing.

    The caller has checked that the page is live, a must-read and addressed to the user. The unique
    constraint settles a double click racing itself: the loser reads the winner's row.
    """
    try:
        with transaction.atomic():
            acknowledgement, created = Acknowledgement.objects.get_or_create(page=page, user=user)
    except IntegrityError:
        acknowledgement, created = Acknowledgement.objects.get(page=page, user=user), False
    dashboard.bump(dashboard.NEWS, users=[user])  # after the write: a home page read before it is dropped
    return acknowledgement, created


def must_read_reminders_send(*, today: date | None = None, stdout=None) -> int:
    """Remind every agent who has not acknowledged a live must-read published at least
    `MUST_READ_REMINDER_DAYS` days ago, at most once every `MUST_READ_REMINDER_INTERVAL_DAYS` days (and never
    twice the same day, whatever runs at the same time). Returns the number of reminders sent."""
    from .queries import audience_members

    today = today or timezone.localdate()
    published_before = timezone.now() - timedelta(days=settings.MUST_READ_REMINDER_DAYS)
    interval = max(1, settings.MUST_READ_REMINDER_INTERVAL_DAYS)
    sent = 0
    pages = NewsPage.objects.live().must_read().filter(first_published_at__lte=published_before)
    for page in pages.prefetch_related("audience_organisations", "audience_departments"):
        with transaction.atomic():
            # One run at a time per page: a second one waits here, then finds today's reminders.
            Page.objects.select_for_update().filter(pk=page.pk).first()
            recent = MustReadReminder.objects.filter(page=page, sent_on__gt=today - timedelta(days=interval))
            pending = list(
                audience_members(page)
                .exclude(pk__in=Acknowledgement.objects.filter(page=page).values("user"))
                .exclude(pk__in=recent.values("user"))
                .values_list("pk", flat=True)
            )
            if not pending:
                continue
            MustReadReminder.objects.bulk_create(
                [MustReadReminder(page=page, user_id=pk, sent_on=today) for pk in pending],
                ignore_conflicts=True,
            )
            if page.must_read_due:
                text = _(
                    "À lire avant le %(due)s : « %(title)s ». Confirmez votre lecture avec « J'ai lu »."
                ) % {
                    "due": page.must_read_due.strftime("%d/%m/%Y"),
                    "title": page.title,
                }
            else:
                text = _("À lire : « %(title)s ». Confirmez votre lecture avec « J'ai lu ».") % {
                    "title": page.title
                }
            notify(recipients=pending, verb="news.must_read", text=text, url=page.get_url() or "", email=True)
            sent += len(pending)
            if stdout is not None:
                stdout.write(f"{page.title} : {len(pending)} relance(s)")
    return sent
