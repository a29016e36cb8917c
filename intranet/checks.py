import django
from django.core import checks


@checks.register(checks.Tags.security, deploy=False)
def check_django_version(app_configs, **kwargs):
    """Django < 5.2.14 lets an understated Content-Length bypass the upload memory limit (CVE-2026-5766)."""
    if django.VERSION < (5, 2, 14):
        return [
            checks.Error(
                "Django 5.2.14 ou plus récent est requis (CVE-2026-5766).",
                hint="pip install -e . met à jour Django.",
                id="intranet.E001",
            )
        ]
    return []
