"""News, must-read reminders, Kotje review reminders and search (issue 4).

Every tunable comes from the environment; each variable is documented in one line of .env.example.
"""

from .env import env  # noqa: F401
