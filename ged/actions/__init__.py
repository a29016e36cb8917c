"""Every write of the GED. Views, API, commands and tasks call these; each runs in a transaction, records
history and audit, notifies, and schedules side effects on commit."""

from .base import StaleVersion, User
from .blobs import blob_file_remove, blobs_sweep
from .documents import document_lock, document_move, document_unlock, document_update, follow_toggle
from .folders import folder_create, folder_delete, folder_move, folder_rename, folder_restrict
from .grants import folder_grants_for_group, grant_revoke, grant_set, role_permission
from .shares import document_share, document_unshare
from .spaces import leaver_spaces_notify, space_create, space_freeze
from .titles import free_title, live_namesake, title_check, title_guard, title_taken, title_taken_message
from .trash import document_purge, document_restore, document_trash, restore_destination, trash_purge_expired
from .uploads import (
    IncompleteChunk,
    OffsetMismatch,
    SessionBusy,
    upload_session_cancel,
    upload_session_create,
    upload_session_finish,
    upload_session_write,
    upload_sessions_sweep,
)
from .versions import (
    document_text_update,
    document_upload,
    version_create,
    version_milestone,
    version_restore,
)

__all__ = [
    "User",
    "StaleVersion",
    "space_create",
    "space_freeze",
    "leaver_spaces_notify",
    "folder_create",
    "folder_rename",
    "folder_move",
    "folder_delete",
    "folder_restrict",
    "role_permission",
    "grant_set",
    "grant_revoke",
    "folder_grants_for_group",
    "blobs_sweep",
    "blob_file_remove",
    "version_create",
    "document_upload",
    "version_restore",
    "version_milestone",
    "document_text_update",
    "document_update",
    "document_move",
    "document_lock",
    "document_unlock",
    "follow_toggle",
    "document_trash",
    "restore_destination",
    "document_restore",
    "document_purge",
    "trash_purge_expired",
    "live_namesake",
    "title_taken",
    "title_taken_message",
    "title_check",
    "title_guard",
    "free_title",
    "document_share",
    "document_unshare",
    "OffsetMismatch",
    "SessionBusy",
    "IncompleteChunk",
    "upload_session_create",
    "upload_session_write",
    "upload_session_finish",
    "upload_session_cancel",
    "upload_sessions_sweep",
]
