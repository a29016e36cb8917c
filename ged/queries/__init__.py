"""Reads that join several models or filter by permission. Each states its query count."""

from .access import (
    AccessExplanation,
    AccessPreview,
    GrantLine,
    PersonAccess,
    explain_access,
    preview_change,
)
from .activity import activity
from .base import User
from .listings import (
    LISTING_FIELDS,
    SORTS,
    ChildFolder,
    Listing,
    breadcrumbs,
    document_versions,
    folder_children,
    folder_listing,
    folder_listing_cached,
    move_targets,
    my_spaces,
    recent_documents,
)
from .people import department_spaces_for, spaces_of_person
from .search import search_documents
from .shares import agents_matching, department_groups, document_shares, shared_with_me
from .trash import trash_listing
from .uploads import upload_session_for

__all__ = [
    "User",
    "SORTS",
    "LISTING_FIELDS",
    "ChildFolder",
    "Listing",
    "folder_children",
    "folder_listing",
    "folder_listing_cached",
    "my_spaces",
    "recent_documents",
    "breadcrumbs",
    "document_versions",
    "move_targets",
    "search_documents",
    "trash_listing",
    "activity",
    "GrantLine",
    "PersonAccess",
    "AccessExplanation",
    "explain_access",
    "AccessPreview",
    "preview_change",
    "spaces_of_person",
    "department_spaces_for",
    "document_shares",
    "shared_with_me",
    "agents_matching",
    "department_groups",
    "upload_session_for",
]
