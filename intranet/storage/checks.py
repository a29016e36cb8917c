from django.conf import settings
from django.core import checks
from django.core.files.storage import storages
from django.utils.translation import gettext as _

from intranet.ops.readiness import SKIP, register_readiness_check

from .config import s3_problems


@checks.register(checks.Tags.compatibility)
def check_s3_settings(app_configs, **kwargs):
    """A half-given object storage configuration stops start-up, naming the variable (issue 15)."""
    return [
        checks.Error(
            message, hint=f"{name} : voir docs/deployment.md, « Stockage objet (S3) ».", id="intranet.E010"
        )
        for name, message in s3_problems()
    ]


@checks.register(checks.Tags.compatibility, deploy=True)
def check_s3_reachable(app_configs, **kwargs):
    """`check --deploy` (each unit's ExecStartPre): the bucket answers a HEAD with the given key, so a wrong
    key, a missing bucket or an unreachable endpoint stops the start naming the variable instead of turning
    every download into a 503. Not run when the settings are already incoherent (intranet.E010 says why)."""
    if not settings.S3_ENABLED or s3_problems():
        return []
    from botocore.exceptions import ClientError

    from intranet.ops.errors import StorageUnavailable

    hint = _("Voir docs/deployment.md, « Stockage objet (S3) ».")
    try:
        storages["ged"].bucket_ready()
    except StorageUnavailable as exc:
        message = _("Le stockage objet %(endpoint)s ne répond pas (S3_ENDPOINT_URL) : %(error)s") % {
            "endpoint": settings.S3_ENDPOINT_URL or "AWS",
            "error": str(exc)[:200],
        }
        return [checks.Error(message, hint=hint, id="intranet.E011")]
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404:
            message = _("Le bucket « %(bucket)s » n'existe pas sur %(endpoint)s (S3_BUCKET).")
        else:
            message = _(
                "Le bucket « %(bucket)s » refuse la clé donnée sur %(endpoint)s (S3_ACCESS_KEY_ID, "
                "S3_SECRET_ACCESS_KEY) : vérifiez la clé et ses droits sur le bucket."
            )
        message %= {"bucket": settings.S3_BUCKET, "endpoint": settings.S3_ENDPOINT_URL or "AWS"}
        return [checks.Error(message, hint=hint, id="intranet.E011")]
    return []


def check_s3_bucket() -> str | None:
    """/readyz: one HEAD of the bucket (cheap enough to poll); skipped when the files are local."""
    if not settings.S3_ENABLED:
        return SKIP
    storages["ged"].bucket_ready()
    return None


register_readiness_check("s3", check_s3_bucket)
