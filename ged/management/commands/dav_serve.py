"""Serve the GED over WebDAV (ged.webdav) with cheroot: its own process, behind nginx in production."""

import signal

from cheroot import wsgi
from django.core.management.base import BaseCommand

from ged.webdav.app import make_app


def make_server(host: str, port: int, *, threads: int = 10) -> wsgi.Server:
    """A cheroot server for the DAV application (tests start one in a thread)."""
    server = wsgi.Server((host, port), make_app(), numthreads=threads, server_name="ccfi-dav")
    # Long uploads and downloads: a slow client is not cut after cheroot's default 10 s of silence.
    server.timeout = 300
    return server


class Command(BaseCommand):
    help = (
        "Sert le lecteur réseau (WebDAV, /dav/) avec cheroot. En production, derrière nginx qui termine "
        "TLS (voir docs/webdav.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Adresse d'écoute (127.0.0.1 par défaut).")
        parser.add_argument("--port", type=int, default=8010, help="Port d'écoute (8010 par défaut).")
        parser.add_argument("--threads", type=int, default=10, help="Requêtes servies en parallèle (10).")

    def handle(self, *args, host, port, threads, **options):
        server = make_server(host, port, threads=threads)
        signal.signal(signal.SIGTERM, lambda *_: server.stop())
        self.stdout.write(f"Lecteur réseau : http://{host}:{port}/dav/ (Ctrl+C pour arrêter)")
        try:
            server.start()
        except KeyboardInterrupt:
            server.stop()
