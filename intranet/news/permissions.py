"""Who follows the reading of a news item, who edits and who publishes news."""

from django.contrib.auth.models import Group

EDITORS_GROUP = "Rédacteurs"
MANAGERS_GROUP = "Responsables communication"


def is_communication_manager(user) -> bool:
    """Membership of « Responsables communication », cached on the user object (one query per request)."""
    cached = getattr(user, "_is_communication_manager", None)
    if cached is None:
        cached = bool(
            user.is_authenticated and Group.objects.filter(name=MANAGERS_GROUP, user=user.pk).exists()
        )
        user._is_communication_manager = cached
    return cached


def can_follow_readers(user, page) -> bool:
    """The acknowledgement rate and who is missing: for the page's owner (its author), superusers and
    communication managers."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or (page.owner_id is not None and page.owner_id == user.pk):
        return True
    return is_communication_manager(user)


def abilities(user, page) -> dict[str, bool]:
    return {
        "acknowledge": bool(page.must_read and page.is_for(user)),
        "follow_readers": bool(page.must_read and can_follow_readers(user, page)),
    }
