"""Room booking: approval reminders, opening hours, iCal feeds (issue 7).

Every tunable comes from the environment; each variable is documented in one line of .env.example.
"""

from .env import env  # noqa: F401
