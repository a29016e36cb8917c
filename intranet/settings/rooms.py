"""Room booking: approval reminders, opening hours, iCal feeds (issue 7).

Every tunable comes from the environment; each variable is documented in one line of .env.example.
"""

from .env import env  # noqa: F401

# Working days a request may stay pending before its managers are reminded (and again after as many).
ROOMS_REMINDER_WORKING_DAYS = env.int("ROOMS_REMINDER_WORKING_DAYS", default=2)
# Caps of a series: occurrences and days from its first date (hard limits: 200 and 366).
ROOMS_SERIES_MAX_OCCURRENCES = min(env.int("ROOMS_SERIES_MAX_OCCURRENCES", default=200), 200)
ROOMS_SERIES_MAX_DAYS = min(env.int("ROOMS_SERIES_MAX_DAYS", default=366), 366)
# How far ahead an agent may book, in days.
ROOMS_BOOKING_HORIZON_DAYS = env.int("ROOMS_BOOKING_HORIZON_DAYS", default=400)
# Days of past bookings kept in the iCalendar feeds.
ROOMS_FEED_PAST_DAYS = env.int("ROOMS_FEED_PAST_DAYS", default=60)
