import asyncio
import json
import signal

import httpx
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from chat.matrix import MatrixBridge, MatrixError, bridge_enabled

DISABLED = (
    "Le pont Matrix est désactivé : définissez MATRIX_HOMESERVER_URL, MATRIX_SERVER_NAME et "
    "MATRIX_REGISTRATION_SHARED_SECRET (ou MATRIX_ADMIN_TOKEN)."
)


class Command(BaseCommand):
    help = (
        "Pont Matrix : seul processus qui parle à Synapse. Au démarrage, remet Matrix en accord avec "
        "l'intranet (comptes des agents partis, membres des salons, messages non envoyés) ; ensuite, reçoit "
        "les messages écrits depuis Matrix (Element) et exécute les opérations Matrix en attente (messages, "
        "modifications, suppressions, comptes, membres), avec nouvelles tentatives espacées. "
        "--report liste ce qui attend ou échoue, sans contacter Synapse."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="Réconcilier, exécuter les opérations dues et synchroniser une fois, puis s'arrêter.",
        )
        parser.add_argument("--timeout", type=int, default=30000, help="Attente longue de /sync, en ms.")
        parser.add_argument(
            "--report",
            action="store_true",
            help="Lister les opérations Matrix en attente et en échec (sortie en erreur si échecs).",
        )

    def handle(self, *args, once=False, timeout=30000, report=False, **options):
        if report:
            return self._report()
        if not bridge_enabled():
            raise CommandError(DISABLED)
        asyncio.run(self._run_then_close(once, timeout))

    async def _run_then_close(self, once: bool, timeout: int):
        from asgiref.sync import sync_to_async
        from django.db import connections

        try:
            await self._run(once, timeout)
        finally:  # the worker thread's database connection, not left open behind us
            await sync_to_async(connections.close_all)()

    async def _run(self, once: bool, timeout: int):
        from asgiref.sync import sync_to_async

        from chat.outbox import MATRIX_QUEUE, matrix_reconcile
        from intranet.outbox.worker import run_due_async

        async with MatrixBridge() as bridge:
            if once:
                queued = await sync_to_async(matrix_reconcile)()
                done, failed = await run_due_async(queue=MATRIX_QUEUE, limit=10_000, bridge=bridge)
                try:
                    stored = await bridge.sync_once(timeout_ms=0)
                except (MatrixError, httpx.HTTPError, OSError) as exc:
                    raise CommandError(
                        f"{done} opération(s) faite(s), {failed} en échec ; Synapse injoignable : {exc!r}"
                    ) from exc
                self.stdout.write(
                    f"Réconciliation : {queued['leavers']} compte(s) à désactiver, "
                    f"{queued['rooms']} salon(s) à vérifier. {done} opération(s) faite(s), "
                    f"{failed} en échec (nouvel essai plus tard), "
                    f"{stored} message(s) reçu(s)."
                )
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            self.stdout.write("Pont Matrix démarré.")
            await bridge.run_forever(timeout_ms=timeout, stop=stop)
            self.stdout.write("Pont Matrix arrêté.")

    def _report(self):
        from chat.models import MatrixAccount, Message
        from chat.outbox import MATRIX_QUEUE
        from intranet.outbox.queries import outbox_failing, outbox_summary
        from intranet.outbox.registry import get_kind

        self.stdout.write("Pont Matrix " + ("activé." if bridge_enabled() else "désactivé."))
        summary = outbox_summary(MATRIX_QUEUE)
        if not summary:
            self.stdout.write("Aucune opération Matrix en attente.")
        for row in summary:
            kind = get_kind(row["kind"])
            label = str(kind.label) if kind else row["kind"]
            self.stdout.write(
                f"{label} : {row['waiting']} en attente dont {row['failing']} en échec, "
                f"la plus ancienne du {timezone.localtime(row['oldest']):%d/%m/%Y %H:%M}."
            )
        failing = list(outbox_failing(MATRIX_QUEUE).order_by("pk")[:200])
        for item in failing:
            self.stdout.write(
                f"  #{item.pk} {item.kind} {json.dumps(item.payload, ensure_ascii=False)} : "
                f"{item.attempts} tentative(s), prochaine le "
                f"{timezone.localtime(item.next_attempt_at):%d/%m/%Y %H:%M:%S} ; erreur : {item.last_error}"
            )
        leavers = MatrixAccount.objects.filter(deactivated=False, user__is_active=False).count()
        unsent = Message.objects.pending_outbound().count()
        self.stdout.write(
            f"Agents partis dont le compte Matrix est encore actif : {leavers}. "
            f"Messages de l'intranet pas encore envoyés à Matrix : {unsent}."
        )
        if failing:
            raise CommandError(f"{len(failing)} opération(s) Matrix en échec.")
