"""News, must-read reminders, Kotje review reminders and search (issue 4).

Every tunable comes from the environment; each variable is documented in one line of .env.example.
"""

from .env import env

# Days after publication before `manage.py must_read_remind` reminds those who have not acknowledged a
# must-read, then days between two reminders to the same agent for the same news item (at least 1).
MUST_READ_REMINDER_DAYS = env.int("MUST_READ_REMINDER_DAYS", default=3)
MUST_READ_REMINDER_INTERVAL_DAYS = env.int("MUST_READ_REMINDER_INTERVAL_DAYS", default=7)
# News items per page of the news list.
NEWS_PAGE_SIZE = env.int("NEWS_PAGE_SIZE", default=10)
# Longest search input kept (characters); anything longer is cut, never refused.
SEARCH_MAX_QUERY_LENGTH = env.int("SEARCH_MAX_QUERY_LENGTH", default=200)

# Kotje (guides): days between two reviews when only the last review date is given, and days before an
# overdue review is reminded again to the guide's owner (kotje_review_remind).
KOTJE_REVIEW_PERIOD_DAYS = env.int("KOTJE_REVIEW_PERIOD_DAYS", default=365)
KOTJE_REVIEW_REMINDER_INTERVAL_DAYS = env.int("KOTJE_REVIEW_REMINDER_INTERVAL_DAYS", default=7)

# --- Kotje: sanity of the two settings above (kotje/) -----------------------------------------------------
if KOTJE_REVIEW_PERIOD_DAYS < 1 or KOTJE_REVIEW_REMINDER_INTERVAL_DAYS < 1:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "KOTJE_REVIEW_PERIOD_DAYS et KOTJE_REVIEW_REMINDER_INTERVAL_DAYS doivent valoir au moins 1 (jour)."
    )

# Home dashboard: how long a panel's cached fragment may live at most (seconds). Fragments are dropped at once
# when their data changes (intranet/dashboard.py); this only bounds what a change made outside the apps' code
# (raw SQL, another process writing into its own local-memory cache) may leave behind.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=600)
