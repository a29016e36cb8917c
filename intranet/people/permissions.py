"""Who may see and change what in the directory. Every agent sees every active agent and every department;
only the agent changes their own profile."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Department, User
from .queries import person_queryset


def abilities(user, person: User) -> dict[str, bool]:
    return {"edit": user.is_authenticated and user.is_active and user.pk == person.pk}


def access_person(user, username: str) -> User:
    """An active agent by username, or 404: a leaver's profile no longer exists for anyone."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(person_queryset(), username=username)


def access_department(user, slug: str) -> Department:
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(Department.objects.select_related("organisation", "head"), slug=slug)
