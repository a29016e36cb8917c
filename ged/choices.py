from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Ordered roles: compare with `rank()`; the order of declaration is the order of power."""

    READER = "reader", _("lecteur")
    CONTRIBUTOR = "contributor", _("contributeur")
    EDITOR = "editor", _("éditeur")
    MANAGER = "manager", _("gestionnaire")

    @classmethod
    def rank(cls, role) -> int:
        """0 for no role, then 1..4; `None` or "" rank lowest."""
        return _RANK.get(role, 0)

    @classmethod
    def highest(cls, *roles):
        best = None
        for role in roles:
            if cls.rank(role) > cls.rank(best):
                best = role
        return best

    @property
    def codename(self) -> str:
        return f"role_{self.value}"


_RANK = {Role.READER: 1, Role.CONTRIBUTOR: 2, Role.EDITOR: 3, Role.MANAGER: 4}
ROLE_BY_CODENAME = {f"role_{r.value}": r for r in Role}


class ShareRole(models.TextChoices):
    """The role a document shared on its own gives: reading it, or also sending new versions of it (the
    contributor's rights on that one document; renaming, moving, trashing and sharing stay with the folder's
    editors)."""

    READER = "reader", _("lecteur")
    EDITOR = "editor", _("peut modifier")

    @property
    def role(self) -> "Role":
        return Role.READER if self == ShareRole.READER else Role.CONTRIBUTOR


class SpacePolicy(models.TextChoices):
    OPEN = "open", _("ouvert : tous les agents lisent")
    PRIVATE = "private", _("privé : membres seulement, visible dans la liste")
    SECRET = "secret", _("secret : membres seulement, invisible pour les autres")


class SortKey(models.TextChoices):
    TITLE = "nom", _("nom")
    UPDATED = "date", _("date de modification")
    SIZE = "taille", _("taille")
