from django.utils.functional import SimpleLazyObject

from . import registry


def _host_name():
    from intranet.people.models import Organisation

    host = Organisation.objects.filter(is_host=True).only("name", "short_name").first()
    return host.display_name if host else ""


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
    }
