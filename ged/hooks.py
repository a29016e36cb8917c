"""What the GED adds to the rest of the intranet: dashboard panel, profile section, search source."""

from django.urls import reverse
from django.utils.translation import gettext as _

from intranet.registry import SearchHit

from .filetypes import type_label
from .queries import department_spaces_for, recent_documents, search_documents, spaces_of_person


def dashboard_recent(request):
    return {"documents": recent_documents(request.user, limit=6)}


def profile_spaces(request, person):
    spaces = spaces_of_person(request.user, person)
    if not spaces:
        return None
    return {
        "title": _("Ses espaces documentaires"),
        "items": [
            {"label": s.name, "url": reverse("ged:space", args=[s.slug]), "meta": s.get_policy_display()}
            for s in spaces
        ],
    }


def department_spaces(request, department):
    """The department's document spaces the viewer may see listed (secret ones only for their members)."""
    spaces = department_spaces_for(request.user, department)
    if not spaces:
        return None
    return {
        "title": _("Espaces documentaires du service"),
        "items": [
            {"label": s.name, "url": reverse("ged:space", args=[s.slug]), "meta": s.get_policy_display()}
            for s in spaces
        ],
    }


def search(user, query, limit):
    rows, total = search_documents(user, query, limit=limit)
    hits = [
        SearchHit(
            title=r["title"],
            url=reverse("ged:document", args=[r["id"]]),
            snippet=r["snippet"],
            meta=_where(r),
        )
        for r in rows
    ]
    return hits, total


def _where(row) -> str:
    """« Type · Space › Folder »; no folder for a document read through a share alone (blanked by
    search_documents)."""
    where = f"{type_label(None, row['title'])} · {row['space__name']}"
    return f"{where} › {row['folder__name']}" if row["folder__name"] else where


def accessibility_pages(user):
    """A space, a folder and a document page the agent may open, for the automated accessibility checks
    (`intranet.accessibility`)."""
    from django.db.models import F

    from .models import Document
    from .permissions import readable_documents_q

    readable = (
        Document.objects.live().filter(readable_documents_q(user)).select_related("space").order_by("pk")
    )
    # A document in a sub-folder first: a space's root folder page redirects to the space page.
    document = readable.exclude(folder_id=F("space__root_id")).first() or readable.first()
    if document is None:
        return []
    pages = [(reverse("ged:space", args=[document.space.slug]), _("Espace documentaire"))]
    if document.folder_id != document.space.root_id:
        pages.append((reverse("ged:folder", args=[document.folder_id]), _("Dossier")))
    pages.append((reverse("ged:document", args=[document.pk]), _("Document")))
    return pages
