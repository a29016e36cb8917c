"""clamd adapter (INSTREAM). Off when neither CLAMD_SOCKET nor CLAMD_HOST is set."""

import socket
import struct

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

CHUNK = 256 * 1024


def enabled() -> bool:
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def _connect() -> socket.socket:
    if settings.CLAMD_SOCKET:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(60)
        sock.connect(settings.CLAMD_SOCKET)
        return sock
    if settings.CLAMD_HOST:
        return socket.create_connection((settings.CLAMD_HOST, settings.CLAMD_PORT), timeout=60)
    raise ImproperlyConfigured("Antivirus : définissez CLAMD_SOCKET ou CLAMD_HOST (voir .env.example).")


def scan(path: str) -> None:
    """Raise ValidationError if clamd finds a virus; refuse the upload too if clamd cannot be reached."""
    if not enabled():
        return
    try:
        with _connect() as sock, open(path, "rb") as fh:
            try:
                sock.sendall(b"zINSTREAM\0")
                while chunk := fh.read(CHUNK):
                    sock.sendall(struct.pack(">I", len(chunk)) + chunk)
                sock.sendall(struct.pack(">I", 0))
            except OSError:
                # clamd closes the stream early when it refuses it (over its StreamMaxLength): the reason is
                # already in our receive buffer, read it rather than report clamd as down.
                pass
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except OSError:
        reply = b""
    if not reply:
        raise ValidationError(
            _(
                "L'antivirus ne répond pas : le fichier n'a pas "
                "été enregistré. Réessayez dans quelques minutes."
            ),
            code="antivirus_down",
        )
    text = reply.rstrip(b"\0").decode("utf-8", "replace")
    if text.endswith("FOUND"):
        raise ValidationError(
            _(
                "L'antivirus a détecté un fichier infecté : il "
                "a été refusé. Prévenez le service informatique."
            ),
            code="infected",
        )
    if "size limit exceeded" in text:
        raise ValidationError(
            _(
                "Le fichier est trop volumineux pour être analysé par l'antivirus : il n'a pas "
                "été enregistré. Prévenez le service informatique."
            ),
            code="antivirus_too_big",
        )
    if not text.endswith("OK"):
        raise ValidationError(
            _("L'antivirus n'a pas pu analyser le fichier : il n'a pas été enregistré."),
            code="antivirus_error",
        )
