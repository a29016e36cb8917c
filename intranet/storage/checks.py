from django.core import checks

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
