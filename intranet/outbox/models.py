from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxItem(models.Model):
    """One side effect on an external system (Matrix, e-mail, OnlyOffice…), written in the same transaction as
    the change that causes it, then performed by the worker of its queue until it succeeds.

    A row is *due* when it is not done, its `next_attempt_at` has passed and nobody holds its lease
    (`locked_until`). A failure records the error and pushes `next_attempt_at` back (exponential backoff with
    jitter); rows are never dropped on failure, IT sees them in the admin and in `manage.py matrix_bridge
    --report`.
    """

    kind = models.CharField(_("type"), max_length=100)
    queue = models.CharField(_("file"), max_length=50, editable=False)
    payload = models.JSONField(_("données"), default=dict, blank=True)
    dedupe_key = models.CharField(_("clé de dédoublonnage"), max_length=255, blank=True)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    locked_until = models.DateTimeField(_("réservé jusqu'à"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    last_attempt_at = models.DateTimeField(_("dernière tentative"), null=True, blank=True)
    done_at = models.DateTimeField(_("fait le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("opération externe")
        verbose_name_plural = _("opérations externes")
        ordering = ["pk"]
        indexes = [
            # The worker's claim: due rows of one queue, oldest first.
            models.Index(
                fields=["queue", "next_attempt_at"],
                name="outbox_due",
                condition=models.Q(done_at__isnull=True),
            ),
            models.Index(
                fields=["dedupe_key"],
                name="outbox_dedupe",
                condition=models.Q(done_at__isnull=True) & ~models.Q(dedupe_key=""),
            ),
            models.Index(fields=["done_at"], name="outbox_done"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def failing(self) -> bool:
        return self.done_at is None and bool(self.last_error)
