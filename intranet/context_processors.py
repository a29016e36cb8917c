from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from . import registry

HOST_NAME_CACHE_KEY = "intranet:host-name"


def _host_name():
    """The host organisation's display name; cached a few minutes since every page shows it."""
    name = cache.get(HOST_NAME_CACHE_KEY)
    if name is None:
        from intranet.people.models import Organisation

        host = Organisation.objects.filter(is_host=True).only("name", "short_name").first()
        name = host.display_name if host else ""
        if name:  # a fresh installation gets its name as soon as the organisation exists
            cache.set(HOST_NAME_CACHE_KEY, name, 300)
    return name


def _can_edit_content(user) -> bool:
    """Whether to show the link to the Wagtail admin. Only a link (Wagtail checks access itself), so a
    few minutes of staleness are harmless and save two permission queries on every page."""
    if user.is_superuser:
        return True
    key = f"intranet:can-edit-content:{user.pk}"
    allowed = cache.get(key)
    if allowed is None:
        allowed = user.has_perm("wagtailadmin.access_admin")
        cache.set(key, allowed, 300)
    return allowed


def _unread(user):
    from intranet.notifications.models import Notification

    return Notification.objects.for_user(user).unread().count()


def layout(request):
    """Header data for every page; each value is computed only if the template reads it."""
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        "nav_entries": registry.nav_entries() if authenticated else [],
        "host_name": SimpleLazyObject(_host_name),
        "unread_count": SimpleLazyObject(lambda: _unread(user)) if authenticated else 0,
        "can_edit_content": SimpleLazyObject(lambda: _can_edit_content(user)) if authenticated else False,
    }
