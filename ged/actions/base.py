"""What every GED write shares: the user model, the stale-version error and history reasons."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

User = get_user_model()


class StaleVersion(Exception):
    """The client edited an older version than the current one (HTTP 409)."""

    def __init__(self, current: int):
        super().__init__(current)
        self.current = current

    @property
    def message(self) -> str:
        return _(
            "Ce document a changé depuis que vous l'avez ouvert (version actuelle : %(n)s). "
            "Téléchargez la dernière version, reportez vos modifications, puis envoyez-la à nouveau."
        ) % {"n": self.current}


def _history_reason(obj, reason: str):
    obj._change_reason = reason
    return obj
