"""Chat salons and the Matrix bridge (issue 8). The bridge is off unless its variables are set.

Every tunable comes from the environment; each variable is documented in one line of .env.example.
"""

from .env import env

# The Matrix bridge is on when the homeserver URL, the server name and a way to administer it (the
# registration shared secret, or a server-admin access token) are all set.
MATRIX_HOMESERVER_URL = env.str("MATRIX_HOMESERVER_URL", default="").rstrip("/")
MATRIX_SERVER_NAME = env.str("MATRIX_SERVER_NAME", default="")
MATRIX_REGISTRATION_SHARED_SECRET = env.str("MATRIX_REGISTRATION_SHARED_SECRET", default="")
MATRIX_ADMIN_TOKEN = env.str("MATRIX_ADMIN_TOKEN", default="")
# Localpart of the bridge bot (created as a server admin with the shared secret on first use).
MATRIX_BOT_LOCALPART = env.str("MATRIX_BOT_LOCALPART", default="intranet-bot")
# Synapse's name of the intranet OIDC provider ("oidc-" + idp_id), so Element logins land on the puppet.
MATRIX_OIDC_AUTH_PROVIDER = env.str("MATRIX_OIDC_AUTH_PROVIDER", default="")
# Lift Synapse's per-user message rate limit for the bot and the puppets (admin API).
MATRIX_OVERRIDE_RATELIMIT = env.bool("MATRIX_OVERRIDE_RATELIMIT", default=True)
# Seconds before a request to the homeserver is abandoned (it is retried later, never lost).
MATRIX_REQUEST_TIMEOUT = env.float("MATRIX_REQUEST_TIMEOUT", default=20.0)
# Key that encrypts the puppets' access tokens at rest (Fernet); derived from SECRET_KEY when empty.
MATRIX_TOKEN_KEY = env.str("MATRIX_TOKEN_KEY", default="")

# Longest chat message, in characters.
CHAT_MESSAGE_MAX_LENGTH = 10_000
# Messages shown per page of a salon's history.
CHAT_PAGE_SIZE = env.int("CHAT_PAGE_SIZE", default=50)
# Live salons: events queued for one socket before a client that stopped reading is closed (it reconnects
# and catches up), and how far back a catch-up looks again before its cursor (late commits, clock steps).
CHAT_SOCKET_QUEUE = env.int("CHAT_SOCKET_QUEUE", default=200)
CHAT_RESUME_OVERLAP = env.int("CHAT_RESUME_OVERLAP", default=10)
# Unread counts stop here (shown « 100+ »): counting costs what is unread, up to this cap.
CHAT_UNREAD_MAX = env.int("CHAT_UNREAD_MAX", default=100)
# Seconds between the beats each server process sends itself through the channel layer: a late beat means
# live events may have been lost (Redis pub/sub does not replay), and the open pages catch up.
CHAT_FANOUT_BEAT = env.float("CHAT_FANOUT_BEAT", default=5.0)
