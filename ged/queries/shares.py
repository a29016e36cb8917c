"""Documents shared on their own: a document's grants, « Partagés avec moi », and the agents a sharing form
may name (found by name or department)."""

from django.contrib.auth.models import Group
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat

from intranet.people.queries import accent_pattern, search_terms

from ..models import Document, DocumentGrant
from ..permissions import readable_documents_q, shares_q
from .base import User

AGENTS_LIMIT = 20


def document_shares(document: Document) -> list[DocumentGrant]:
    """The document's grants with their grantees, oldest first (one query)."""
    return list(
        DocumentGrant.objects.filter(document=document)
        .select_related("user", "group", "group__department", "granted_by")
        .order_by("created_at", "pk")
    )


def shared_with_me(user):
    """Live documents shared with the agent or one of their groups that the gate lets them read, newest share
    first, with who shared and the role (as a queryset: the caller slices or paginates it; the gate costs
    the grants query, cached, and the restricted folders query)."""
    mine = DocumentGrant.objects.filter(shares_q(user), document=OuterRef("pk")).order_by("-created_at")
    return (
        Document.objects.live()
        .filter(readable_documents_q(user))
        .filter(pk__in=DocumentGrant.objects.filter(shares_q(user)).values("document_id"))
        .annotate(
            shared_at=Subquery(mine.values("created_at")[:1]),
            shared_role=Subquery(mine.order_by("role").values("role")[:1]),
            shared_by=Subquery(
                mine.annotate(
                    name=Concat("granted_by__first_name", Value(" "), "granted_by__last_name")
                ).values("name")[:1]
            ),
            space_name=F("space__name"),
        )
        .only("id", "title", "updated_at", "space_id")
        .order_by("-shared_at", "-pk")
    )


def agents_matching(query: str, *, limit: int = AGENTS_LIMIT) -> list:
    """Active agents whose first name, last name or department matches every word of `query`, whatever the
    accents; at most `limit`, by name. One query; only what the directory shows (name, department)."""
    terms = search_terms(query)
    if not terms:
        return []
    qs = User.objects.filter(is_active=True)
    for term in terms:
        pattern = accent_pattern(term)
        qs = qs.filter(
            Q(first_name__iregex=pattern) | Q(last_name__iregex=pattern) | Q(department__name__iregex=pattern)
        )
    return list(
        qs.select_related("department")
        .only("id", "first_name", "last_name", "username", "department__name")
        .order_by("last_name", "first_name", "pk")[:limit]
    )


def department_groups() -> list[Group]:
    """The departments' groups, by name, for the sharing forms (one query)."""
    return list(
        Group.objects.filter(department__isnull=False)
        .select_related("department")
        .order_by("department__name")
    )
