"""Who may fetch a Wagtail document or image (R11 « side doors »): the audience of the pages that use it.

A file used by news items or guides is served only to an agent who may open at least one of those pages
(live, addressed to them, not behind a view restriction they do not pass: `visible_pages`, the search's own
rule). Wagtail's reference index says which pages use a file (choosers, StreamField blocks, rich text,
a guide's attachments). A file used by other objects only (a room's photo) follows those objects' pages, open
to every agent. A file nobody uses is for the library's users only: editors who may choose or change it in
the Wagtail admin, who also see every file they manage.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from wagtail.models import Page, ReferenceIndex


def page_file_visible(user, obj: models.Model) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if _library_user(user, obj):
        return True
    page_ids, used_elsewhere = _used_by(obj)
    if page_ids:
        from intranet.search.queries import visible_pages

        if visible_pages(user).filter(pk__in=page_ids).exists():
            return True
    return used_elsewhere


def _used_by(obj) -> tuple[list[int], bool]:
    """Ids of the pages using `obj`, and whether anything else uses it. One query."""
    page_type = ContentType.objects.get_for_model(Page).pk
    page_ids, elsewhere = [], False
    for base_type, object_id in ReferenceIndex.get_references_to(obj).values_list(
        "base_content_type_id", "object_id"
    ):
        if base_type == page_type:
            if object_id.isdigit():
                page_ids.append(int(object_id))
        else:
            elsewhere = True
    return page_ids, elsewhere


def _library_user(user, obj) -> bool:
    from wagtail.permissions import policy_registry

    if user.is_superuser:
        return True
    policy = policy_registry.get_by_type(type(obj))
    return policy.user_has_any_permission_for_instance(user, ["choose", "change"], obj)
