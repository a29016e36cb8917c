"""django-axes keys (AXES_USERNAME_CALLABLE): the username as the directory compares it.

LDAP matches `uid` case-insensitively and ignores surrounding spaces, so `eloise.garcon`, `Eloise.Garcon` and
` ELOISE.GARCON ` are one account: they must share one failure counter, or each case variant gets its own
five guesses (R13).
"""


def throttle_username(request, credentials) -> str | None:
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = getattr(request, "POST", {}).get("username")
    if not isinstance(username, str):
        return None
    return username.strip().casefold()
