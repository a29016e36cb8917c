"""What is wrong with the S3_* settings, variable by variable (the system check and the backends both ask)."""

from django.conf import settings
from django.utils.translation import gettext as _

_ADDRESSING = {"path", "virtual", "auto"}
# S3 refuses parts under 5 MiB (except the last one); a presigned URL lives at most 7 days (SigV4).
_MIN_PART_MB = 5
_MAX_PRESIGN = 7 * 24 * 3600


def s3_problems() -> list[tuple[str, str]]:
    """(variable, French message) for each incoherent S3 setting; empty when S3 is off or well configured."""
    given = {
        name: getattr(settings, name, "")
        for name in ("S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_NGINX_PREFIX")
    }
    bucket = getattr(settings, "S3_BUCKET", "")
    problems = []
    if not bucket:
        for name, value in given.items():
            if value:
                problems.append(
                    (
                        "S3_BUCKET",
                        _(
                            "S3_BUCKET est vide alors que %(name)s est défini : donnez le nom du bucket, ou "
                            "retirez les variables S3_* pour garder les fichiers sur le disque local."
                        )
                        % {"name": name},
                    )
                )
                break
        if getattr(settings, "S3_PROXY_THROUGH_NGINX", False):
            problems.append(
                (
                    "S3_BUCKET",
                    _("S3_PROXY_THROUGH_NGINX est activé sans stockage objet : définissez S3_BUCKET."),
                )
            )
        return problems
    for name in ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
        if not given[name]:
            problems.append(
                (
                    name,
                    _("%(name)s est obligatoire avec S3_BUCKET (%(bucket)s) : donnez la clé du compte.")
                    % {"name": name, "bucket": bucket},
                )
            )
    endpoint = given["S3_ENDPOINT_URL"]
    if endpoint and not endpoint.startswith(("http://", "https://")):
        problems.append(
            (
                "S3_ENDPOINT_URL",
                _("S3_ENDPOINT_URL doit commencer par http:// ou https:// (valeur reçue : %(value)s).")
                % {"value": endpoint},
            )
        )
    if settings.S3_ADDRESSING_STYLE not in _ADDRESSING:
        problems.append(("S3_ADDRESSING_STYLE", _("S3_ADDRESSING_STYLE doit valoir path, virtual ou auto.")))
    if not 1 <= settings.S3_PRESIGN_SECONDS <= _MAX_PRESIGN:
        problems.append(
            (
                "S3_PRESIGN_SECONDS",
                _("S3_PRESIGN_SECONDS doit être compris entre 1 et %(max)s secondes.")
                % {"max": _MAX_PRESIGN},
            )
        )
    if settings.S3_MULTIPART_CHUNK_MB < _MIN_PART_MB:
        problems.append(
            (
                "S3_MULTIPART_CHUNK_MB",
                _("S3_MULTIPART_CHUNK_MB doit valoir au moins %(min)s (taille minimale d'une partie S3).")
                % {"min": _MIN_PART_MB},
            )
        )
    if settings.S3_TIMEOUT_SECONDS < 1:
        problems.append(("S3_TIMEOUT_SECONDS", _("S3_TIMEOUT_SECONDS doit valoir au moins 1 seconde.")))
    if settings.S3_PROXY_THROUGH_NGINX and not given["S3_NGINX_PREFIX"].startswith("/"):
        problems.append(
            (
                "S3_NGINX_PREFIX",
                _(
                    "S3_PROXY_THROUGH_NGINX est activé : S3_NGINX_PREFIX doit donner le préfixe de la "
                    "location interne de nginx qui relaie le bucket (par exemple /_s3)."
                ),
            )
        )
    if settings.S3_PROXY_THROUGH_NGINX and not endpoint:
        problems.append(
            (
                "S3_ENDPOINT_URL",
                _("S3_PROXY_THROUGH_NGINX est activé : donnez dans S3_ENDPOINT_URL l'adresse relayée."),
            )
        )
    return problems
