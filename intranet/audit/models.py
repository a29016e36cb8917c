from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Result


class AccessEvent(models.Model):
    """Append-only: written only through `audit_record`; a database trigger rejects UPDATE and DELETE
    (except the purge of `audit_purge`, see migration 0002)."""

    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    # No database constraint and no cascade: deleting an account must never rewrite the log.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("identifiant de l'auteur"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("type d'objet"), max_length=64, blank=True)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True)
    result = models.CharField(_("résultat"), max_length=10, choices=Result.choices, default=Result.SUCCESS)
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    extra = models.JSONField(_("détails"), default=dict, blank=True)

    class Meta:
        verbose_name = _("événement d'accès")
        verbose_name_plural = _("événements d'accès")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
