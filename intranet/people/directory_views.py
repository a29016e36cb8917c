"""The « Annuaire »: search, profiles, organisation chart, and the agent's own profile form."""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from intranet import registry
from intranet.params import is_valid_id, parse_id

from .directory_forms import ProfileForm
from .permissions import abilities, access_department, access_person
from .profile_actions import DIRECTORY_OWNED, user_profile_update
from .queries import (
    MAX_QUERY_LENGTH,
    DirectoryFilters,
    department_choices,
    department_detail,
    directory_page,
    employer_choices,
    organisation_tree,
    profile_context,
)

_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")


def _filters(params) -> DirectoryFilters:
    """Unknown or malformed filter values are ignored rather than refused: they come from edited URLs."""
    department = params.get("service", "").strip()
    employer = params.get("employeur", "").strip()
    return DirectoryFilters(
        q=" ".join(params.get("q", "").split())[:MAX_QUERY_LENGTH],
        department=department if _SLUG.match(department) else "",
        employer=parse_id(employer) if is_valid_id(employer) else None,
    )


@require_GET
def index(request):
    """Search page. htmx requests (the search box, as you type) get the results fragment only."""
    filters = _filters(request.GET)
    page = directory_page(filters, request.GET.get("page"))
    context = {"filters": filters, "page": page}
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "people/directory/_results.html", context)
    else:
        context.update(departments=department_choices(), employers=employer_choices())
        response = render(request, "people/directory/index.html", context)
    # The same URL answers a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def profile(request, username):
    person = access_person(request.user, username)
    return render(
        request,
        "people/directory/profile.html",
        {"profile": profile_context(request, person), "abilities": abilities(request.user, person)},
    )


@require_GET
def department_tree(request):
    return render(request, "people/directory/departments.html", {"organisations": organisation_tree()})


@require_GET
def department(request, slug):
    department = access_department(request.user, slug)
    view = department_detail(department)
    sections = []
    for section in registry.department_sections():
        ctx = section.context(request, department)
        if ctx is not None:
            sections.append({"key": section.key, "template": section.template, "context": ctx})
    return render(request, "people/directory/department.html", {"view": view, "sections": sections})


@require_http_methods(["GET", "POST"])
def profile_edit(request):
    """The agent's own profile; there is no URL to edit anybody else's."""
    user = request.user
    form = ProfileForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            user_profile_update(user=user, actor=user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Votre profil est enregistré."))
            return redirect("directory:profile", username=user.username)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "people/directory/profile_edit.html",
        {"form": form, "person": user, "directory_owned": DIRECTORY_OWNED},
        status=status,
    )
