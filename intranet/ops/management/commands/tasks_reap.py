"""`manage.py tasks_reap`: put back in the queue the tasks whose worker died (intranet.ops.tasks_lease)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from intranet.ops.progress import Progress
from intranet.ops.tasks_lease import tasks_reap


class Command(BaseCommand):
    help = (
        "Remet dans la file les tâches dont le processus est mort en cours d'exécution (bail expiré), "
        "ou les marque en échec après TASKS_MAX_ATTEMPTS essais."
    )

    def handle(self, *args, **options):
        if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
            self.stdout.write("Tâches exécutées immédiatement (TASKS_BACKEND=immediate) : rien à reprendre.")
            return
        progress = Progress(stream=self.stderr, out=self.stdout, label="Tâches", unit="tâche(s)")
        with progress:
            again, failed = tasks_reap()
            progress.advance(again + failed)
        progress.finish(f"{again} tâche(s) remise(s) dans la file, {failed} tâche(s) abandonnée(s).")
