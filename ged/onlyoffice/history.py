"""The editor's history panel (refreshHistory, setHistoryData)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Document,
    OnlineSave,
    Version,
)
from .config import (
    active_key,
    changes_url,
    document_extension,
    download_url,
    history_key,
    sign,
)

# --- History --------------------------------------------------------------------------------------------


def _user_info(user) -> dict:
    if user is None:
        return {"id": "", "name": _("Inconnu")}
    return {"id": str(user.pk), "name": user.get_full_name() or user.get_username()}


def history(document: Document) -> dict:
    """The argument of `refreshHistory`: every version, oldest first, with the DS history when it has one."""
    versions = list(
        Version.objects.filter(document=document).select_related("author", "online_save").order_by("number")
    )
    current_key = None
    items = []
    for v in versions:
        save = getattr(v, "online_save", None) if _has_save(v) else None
        key = history_key(v)
        if v.pk == document.current_version_id:
            current_key = current_key or active_key(document).key
            key = current_key
        item = {
            "version": v.number,
            "key": key,
            "created": timezone.localtime(v.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            "user": _user_info(v.author),
        }
        if save is not None and save.history:
            item["changes"] = save.history.get("changes")
            item["serverVersion"] = save.history.get("serverVersion")
        items.append(item)
    current = versions[-1].number if versions else 0
    return {"currentVersion": current, "history": items}


def _has_save(version: Version) -> bool:
    try:
        return version.online_save is not None
    except OnlineSave.DoesNotExist:
        return False


def history_data(document: Document, number: int, *, base_url: str) -> dict | None:
    """The argument of `setHistoryData` for one version, signed into `token`."""
    version = Version.objects.filter(document=document, number=number).first()
    if version is None:
        return None
    ext = document_extension(document)
    key = active_key(document).key if version.pk == document.current_version_id else history_key(version)
    data = {
        "version": version.number,
        "key": key,
        "url": download_url(version, base_url=base_url),
        "fileType": ext,
    }
    save = OnlineSave.objects.filter(version=version).only("id").first()
    previous = Version.objects.filter(document=document, number__lt=number).order_by("-number").first()
    if save is not None and previous is not None:
        data["changesUrl"] = changes_url(save, base_url=base_url)
    if previous is not None:
        data["previous"] = {
            "key": history_key(previous),  # never the current version: it has a lower number
            "url": download_url(previous, base_url=base_url),
            "fileType": ext,
        }
    data["token"] = sign(data)
    return data
