from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ..actions import space_create
from ..forms import SpaceForm
from ..permissions import access_space, may_open_trash
from ..queries import activity, folder_listing, my_spaces, search_documents, shared_with_me, trash_listing
from .common import error_text
from .folders import folder_context

SHARED_ON_HOME = 50


@require_GET
def spaces(request):
    shared = list(shared_with_me(request.user)[: SHARED_ON_HOME + 1])
    return render(
        request,
        "ged/spaces.html",
        {
            "spaces": my_spaces(request.user),
            "shared": shared[:SHARED_ON_HOME],
            "shared_more": len(shared) > SHARED_ON_HOME,
            "can_create": request.user.has_perm("ged.add_space"),
        },
    )


@require_http_methods(["GET", "POST"])
def space_new(request):
    if not request.user.has_perm("ged.add_space"):
        raise Http404
    form = SpaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            space = space_create(
                creator=request.user, department=request.user.department, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("L'espace « %(name)s » est créé.") % {"name": space.name})
            return redirect("ged:space", slug=space.slug)
    return render(
        request, "ged/space_new.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


@require_GET
def space(request, slug):
    access = access_space(request.user, slug)
    listing = folder_listing(
        request.user, access, sort=request.GET.get("tri", ""), page=request.GET.get("page")
    )
    return render(request, "ged/folder.html", folder_context(request, listing))


@require_GET
def trash(request, slug):
    """The space's trash, listing only what the viewer may restore: reachable by an editor of the root or of
    any folder of the space (a restricted one), 404 for everyone else."""
    access = access_space(request.user, slug)
    if not may_open_trash(request.user, access):
        raise Http404
    page = trash_listing(request.user, access.space, page=request.GET.get("page"))
    return render(
        request,
        "ged/trash.html",
        {"access": access, "space": access.space, "page": page, "trash_days": settings.GED_TRASH_DAYS},
    )


@require_GET
def space_activity(request, slug):
    access = access_space(request.user, slug)
    if not access.abilities["share"]:
        raise Http404
    return render(
        request,
        "ged/activity.html",
        {"access": access, "space": access.space, "events": activity(space=access.space)},
    )


@require_GET
def space_search(request, slug):
    access = access_space(request.user, slug)
    q = " ".join(request.GET.get("q", "").split())[:200]
    rows, total = search_documents(request.user, q, space=access.space) if q else ([], 0)
    return render(
        request,
        "ged/search.html",
        {"access": access, "space": access.space, "q": q, "rows": rows, "total": total},
    )
