"""Every write on bookings. Views, the API, commands and signal receivers call these and nothing else.

Each action runs in one transaction, leaves history (django-simple-history) and an audit event, notifies
with `notify()` and sends e-mails only once the transaction commits.
"""

from .bookings import (
    booking_approve,
    booking_cancel,
    booking_reject,
    booking_request,
    booking_update,
    bookings_approve_batch,
    bookings_reject_batch,
)
from .common import BookingConflict, slot_label, validate_slot
from .feeds import feed_token_create, feed_token_revoke, feed_token_user
from .jobs import (
    booking_keep,
    bookings_cancel_for_leaver,
    bookings_expire_pending,
    bookings_flag_for_policy,
    bookings_remind_pending,
)
from .series import (
    Occurrence,
    SeriesConflict,
    series_cancel_following,
    series_create,
    series_preview,
    series_update_following,
)
from .vehicles import vehicle_return

__all__ = [
    "slot_label",
    "BookingConflict",
    "validate_slot",
    "booking_request",
    "booking_approve",
    "booking_reject",
    "bookings_approve_batch",
    "bookings_reject_batch",
    "booking_cancel",
    "booking_update",
    "Occurrence",
    "series_preview",
    "SeriesConflict",
    "series_create",
    "series_cancel_following",
    "series_update_following",
    "bookings_remind_pending",
    "bookings_expire_pending",
    "bookings_cancel_for_leaver",
    "bookings_flag_for_policy",
    "booking_keep",
    "feed_token_create",
    "feed_token_revoke",
    "feed_token_user",
    "vehicle_return",
]
