import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from intranet.outbox.actions import outbox_purge_done
from intranet.outbox.registry import DEFAULT_QUEUE
from intranet.outbox.worker import run_due


class Command(BaseCommand):
    help = (
        "Exécute les opérations externes en attente de la file « default » (courriels, commandes "
        "OnlyOffice…), avec nouvelles tentatives espacées. Les opérations Matrix sont exécutées par "
        "« matrix_bridge »."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Un seul passage, puis s'arrêter.")
        parser.add_argument("--queue", default=DEFAULT_QUEUE, help="File à traiter (par défaut « default »).")

    def handle(self, *args, once=False, queue=DEFAULT_QUEUE, **options):
        if once:
            done, failed = run_due(queue=queue, limit=1000)
            self.stdout.write(f"{done} opération(s) faite(s), {failed} en échec (nouvel essai plus tard).")
            return
        stopping = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopping.append(True))
        self.stdout.write(f"Exécution de la file « {queue} » démarrée.")
        last_purge = 0.0
        while not stopping:
            done, failed = run_due(queue=queue)
            if time.monotonic() - last_purge > 3600:
                outbox_purge_done()
                last_purge = time.monotonic()
            if not done and not failed:
                time.sleep(settings.OUTBOX_POLL_SECONDS)
        self.stdout.write("Exécution de la file arrêtée.")
