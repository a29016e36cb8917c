import asyncio
import signal

from django.core.management.base import BaseCommand, CommandError

from chat.matrix import MatrixBridge, bridge_enabled


class Command(BaseCommand):
    help = (
        "Pont Matrix : reçoit les messages écrits depuis Matrix (Element) et les range dans les salons, "
        "et envoie les messages de l'intranet restés en attente. Reprend au dernier jeton de synchronisation."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Une seule synchronisation, puis s'arrêter.")
        parser.add_argument("--timeout", type=int, default=30000, help="Attente longue de /sync, en ms.")

    def handle(self, *args, once=False, timeout=30000, **options):
        if not bridge_enabled():
            raise CommandError(
                "Le pont Matrix est désactivé : définissez MATRIX_HOMESERVER_URL, MATRIX_SERVER_NAME et "
                "MATRIX_REGISTRATION_SHARED_SECRET (ou MATRIX_ADMIN_TOKEN)."
            )
        asyncio.run(self._run(once, timeout))

    async def _run(self, once: bool, timeout: int):
        async with MatrixBridge() as bridge:
            if once:
                sent = await bridge.send_all_pending()
                stored = await bridge.sync_once(timeout_ms=0)
                self.stdout.write(f"{sent} message(s) envoyé(s), {stored} message(s) reçu(s).")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            self.stdout.write("Pont Matrix démarré.")
            runner = asyncio.ensure_future(bridge.run_forever(timeout_ms=timeout, stop=stop))
            await stop.wait()
            runner.cancel()
            self.stdout.write("Pont Matrix arrêté.")
