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


@checks.register(checks.Tags.compatibility, deploy=True)
def check_asgi_server_speedups(app_configs, **kwargs):
    """The ASGI workers (gunicorn + uvicorn_worker.UvicornWorker, "auto" settings) use httptools and uvloop
    when they are installed; without them uvicorn falls back to h11 + asyncio, which needs about twice the
    CPU to receive a large upload (B4, docs/ged.md)."""
    import importlib.util

    missing = [name for name in ("httptools", "uvloop") if importlib.util.find_spec(name) is None]
    if not missing:
        return []
    return [
        checks.Warning(
            f"{', '.join(missing)} absent : uvicorn se rabat sur h11 + asyncio, plus lents "
            "pour les gros envois.",
            hint="pip install -e . installe les dépendances du projet (pyproject.toml).",
            id="intranet.W002",
        )
    ]
