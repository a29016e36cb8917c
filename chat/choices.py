from django.db import models
from django.utils.translation import gettext_lazy as _


class SalonKind(models.TextChoices):
    DEPARTMENT = "department", _("Service")
    SPACE = "space", _("Espace")
    PROJECT = "project", _("Projet")
    OPEN = "open", _("Ouvert")
    DIRECT = "direct", _("Message direct")


class MemberRole(models.TextChoices):
    MEMBER = "member", _("Membre")
    MODERATOR = "moderator", _("Modérateur·rice")


class NotificationLevel(models.TextChoices):
    ALL = "all", _("Tous les messages")
    MENTIONS = "mentions", _("Seulement les mentions")
    NONE = "none", _("Aucune")


class MessageSource(models.TextChoices):
    WEB = "web", _("Intranet")
    MATRIX = "matrix", _("Matrix")
