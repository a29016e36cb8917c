"""One `env` object for every tunable; a missing or malformed variable stops start-up naming it."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]


class StrictEnv(environ.Env):
    """django-environ, but a value that cannot be parsed names its variable instead of a bare ValueError."""

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ImproperlyConfigured as exc:
            raise ImproperlyConfigured(
                f"La variable d'environnement {var} est obligatoire et n'est pas définie "
                f"(voir .env.example). [{exc}]"
            ) from None
        except (ValueError, TypeError, KeyError) as exc:
            raise ImproperlyConfigured(
                f"La variable d'environnement {var} a une valeur invalide ({exc}). "
                "Corrigez-la (voir .env.example)."
            ) from None


env = StrictEnv()
# A local .env, if present, fills what the real environment leaves unset.
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"), overwrite=False)
