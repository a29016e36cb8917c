from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskLease(models.Model):
    """The lease of a running task of django-tasks' database backend: its worker renews `expires_at` while
    the task runs; once it has passed, the worker is presumed dead and `tasks_reap` re-queues the task.
    Keyed by the task result's id (django_tasks_db's DBTaskResult), without a foreign key to a table we do not
    own: a lease whose task is gone is simply deleted by the reaper."""

    task_id = models.UUIDField(primary_key=True)
    worker_id = models.CharField(_("processus"), max_length=64)
    hostname = models.CharField(_("machine"), max_length=255)
    pid = models.PositiveIntegerField()
    expires_at = models.DateTimeField(_("expire le"), db_index=True)
    renewed_at = models.DateTimeField(_("renouvelé le"), default=timezone.now)

    class Meta:
        verbose_name = _("bail de tâche")
        verbose_name_plural = _("baux de tâches")

    def __str__(self):
        return f"{self.task_id} ({self.worker_id})"


class TaskEffect(models.Model):
    """The key of an effect a task has made, committed with the effect itself: a task run again after its
    worker died finds the key and does not make the effect twice (`intranet.ops.tasks_lease.effect_once`)."""

    key = models.CharField(_("clé"), max_length=255, unique=True)
    done_at = models.DateTimeField(_("fait le"), default=timezone.now)

    class Meta:
        verbose_name = _("effet de tâche")
        verbose_name_plural = _("effets de tâches")

    def __str__(self):
        return self.key
