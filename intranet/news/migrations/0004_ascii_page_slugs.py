"""Page slugs in plain ASCII (settings.WAGTAIL_ALLOW_UNICODE_SLUGS = False from now on).

Every page whose slug has accents or other non-ASCII characters gets its ASCII form (« fermée-le-24 » →
« fermee-le-24 », « cœur » → « coeur »), unique among its siblings; its url_path and those of its
descendants follow, its revisions carry the new slug (so publishing a draft does not bring the old one back),
and each old address of the page and of its descendants, on every site that serves them, becomes a
permanent redirect to the page: a link shared before keeps working. Covers the pages of every app (news,
guides, events): slugs are a property of wagtailcore's Page."""

from django.db import migrations
from django.utils.text import slugify

STEPLEN = 4  # treebeard path segment length in wagtailcore.Page (historical models lack the class attribute)


def _ascii_slug(slug, taken):
    from wagtail.coreutils import string_to_ascii

    base = slugify(string_to_ascii(slug))[:240] or "page"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _old_paths(url_path, sites):
    """(site, path) pairs under which a page with this url_path was served."""
    for site, root_path in sites:
        if url_path.startswith(root_path):
            yield site, "/" + url_path[len(root_path) :]


def forwards(apps, schema_editor):
    from wagtail.contrib.redirects.models import Redirect as LiveRedirect

    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Revision = apps.get_model("wagtailcore", "Revision")
    Redirect = apps.get_model("wagtailredirects", "Redirect")
    ContentType = apps.get_model("contenttypes", "ContentType")

    sites = [(site, site.root_page.url_path) for site in Site.objects.select_related("root_page")]
    page_type = ContentType.objects.filter(app_label="wagtailcore", model="page").first()
    # Parents first, so a child's url_path is read after its parent's change.
    for pk in Page.objects.order_by("depth", "path").values_list("pk", flat=True):
        page = Page.objects.get(pk=pk)
        if page.slug.isascii():
            continue
        siblings = Page.objects.filter(path__startswith=page.path[:-STEPLEN], depth=page.depth)
        taken = set(siblings.exclude(pk=page.pk).values_list("slug", flat=True))
        new_slug = _ascii_slug(page.slug, taken)
        old_prefix = page.url_path
        new_prefix = old_prefix[: -len(page.slug) - 1] + new_slug + "/"
        subtree = Page.objects.filter(path__startswith=page.path, depth__gte=page.depth).order_by("path")
        for node in subtree:
            old_url_path = node.url_path
            node.url_path = new_prefix + old_url_path[len(old_prefix) :]
            if node.pk == page.pk:
                old_slug, node.slug = node.slug, new_slug
                Page.objects.filter(pk=node.pk).update(slug=new_slug, url_path=node.url_path)
                revisions = Revision.objects.filter(object_id=str(node.pk))
                if page_type is not None:
                    revisions = revisions.filter(base_content_type=page_type)
                for revision in revisions:
                    content = revision.content or {}
                    if content.get("slug") == old_slug:
                        content["slug"] = new_slug
                        if "url_path" in content:
                            content["url_path"] = node.url_path
                        Revision.objects.filter(pk=revision.pk).update(content=content)
            else:
                Page.objects.filter(pk=node.pk).update(url_path=node.url_path)
            for site, old_path in _old_paths(old_url_path, sites):
                normalised = LiveRedirect.normalise_path(old_path)
                if not Redirect.objects.filter(site=site, old_path=normalised).exists():
                    Redirect.objects.create(
                        site=site, old_path=normalised, redirect_page_id=node.pk, is_permanent=True
                    )


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0003_news_pages_must_read"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailredirects", "0008_add_verbose_name_plural"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
