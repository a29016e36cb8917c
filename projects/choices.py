from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    SCOPING = "cadrage", _("cadrage")
    ACTIVE = "en_cours", _("en cours")
    SUSPENDED = "suspendu", _("suspendu")
    CLOSED = "clos", _("clos")


class Visibility(models.TextChoices):
    """The same three policies as the GED's spaces (their values are passed through to it)."""

    OPEN = "open", _("ouvert : tous les agents voient le projet et ses tableaux")
    PRIVATE = "private", _("privé : visible dans la liste, contenu réservé à l'équipe")
    SECRET = "secret", _("secret : invisible pour qui n'est pas de l'équipe")


class JoinPolicy(models.TextChoices):
    OPEN = "open", _("ouvert à tous les agents")
    REQUEST = "request", _("sur demande au responsable")
    LEAD = "lead", _("par le responsable seulement")


class MemberRole(models.TextChoices):
    """Ordered roles; values are the neutral team roles the GED and chat map to their own."""

    READER = "reader", _("lecteur")
    CONTRIBUTOR = "contributor", _("contributeur")
    MANAGER = "manager", _("responsable")

    @classmethod
    def rank(cls, role) -> int:
        return {cls.READER: 1, cls.CONTRIBUTOR: 2, cls.MANAGER: 3}.get(role, 0)
