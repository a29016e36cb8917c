"""Document spaces (GED): uploads, storage, trash, OnlyOffice (issues 5 and 6).

Every tunable comes from the environment; each variable is documented in one line of .env.example.
"""

from .env import env  # noqa: F401
