from django.db import models
from django.utils.translation import gettext_lazy as _


class ToolStatus(models.TextChoices):
    """Ordered from the most to the least recommended: the catalogue lists approved tools first."""

    APPROVED = "approved", _("Autorisé")
    TOLERATED = "tolerated", _("Toléré")
    FORBIDDEN = "forbidden", _("Interdit")

    @classmethod
    def rank(cls, value: str) -> int:
        return list(cls.values).index(value) if value in cls.values else len(cls.values)


TOOL_STATUS_HELP = {
    ToolStatus.APPROVED: _(
        "Validé par le service SI et le délégué à la protection des données : utilisez-le."
    ),
    ToolStatus.TOLERATED: _(
        "Accepté faute de mieux, pour des données non sensibles ; préférez l'outil autorisé."
    ),
    ToolStatus.FORBIDDEN: _(
        "Ne l'utilisez pas pour le travail : vos données sortiraient de la collectivité."
    ),
}
