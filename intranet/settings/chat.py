"""Chat salons and the Matrix bridge (issue 8). The bridge is off unless its variables are set.

Every tunable comes from the environment; each variable is documented in one line of .env.example.
"""

from .env import env  # noqa: F401
