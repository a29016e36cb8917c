from django.conf import settings
from django.core import checks
from django.core.files.storage import storages

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


def check_s3_bucket() -> str | None:
    """/readyz: one HEAD of the bucket (cheap enough to poll); skipped when the files are local."""
    if not settings.S3_ENABLED:
        return SKIP
    storages["ged"].bucket_ready()
    return None


register_readiness_check("s3", check_s3_bucket)
