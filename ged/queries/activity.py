"""A folder's or document's activity: history and audit, labelled for people."""

from django.utils.translation import gettext_lazy

from intranet.audit.models import AccessEvent

from ..models import Document, Folder, Space


def activity(
    *,
    space: Space | None = None,
    document: Document | None = None,
    folder: Folder | None = None,
    limit: int = 50,
) -> list[dict]:
    """History rows (renames, moves, trash, locks) and access events, newest first, each with the full name
    of who did it (« Hélène Lefebvre », not a login). Two queries."""
    events = []
    if document is not None:
        hist = Document.history.filter(id=document.pk)
        audit = AccessEvent.objects.filter(object_type="ged.document", object_id=str(document.pk))
    elif folder is not None:
        hist = Folder.history.filter(id=folder.pk)
        audit = AccessEvent.objects.filter(object_type="ged.folder", object_id=str(folder.pk))
    else:
        # A WebDAV placeholder's history shows once it is a document (its first version), not before.
        hidden = Document.objects.filter(space_id=space.pk, placeholder=True).values("pk")
        hist = Document.history.filter(space_id=space.pk).exclude(id__in=hidden)
        audit = AccessEvent.objects.filter(action__startswith="ged.", extra__space=space.pk)
    for row in hist.select_related("history_user").order_by("-history_date")[:limit]:
        events.append(
            {
                "when": row.history_date,
                "who": _person(row.history_user),
                "what": _HISTORY_LABELS.get(row.history_change_reason or "", row.get_history_type_display()),
                "title": getattr(row, "title", getattr(row, "name", "")),
            }
        )
    for ev in audit.select_related("actor").order_by("-created_at")[:limit]:
        events.append(
            {
                "when": ev.created_at,
                # The label is the login recorded at the time (or a command's name): shown only when the
                # account is gone.
                "who": _person(ev.actor) or ev.actor_label,
                "what": _AUDIT_LABELS.get(ev.action, ev.action),
                "title": ev.extra.get("title", ""),
            }
        )
    events.sort(key=lambda e: e["when"], reverse=True)
    return events[:limit]


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class _Labels(dict):
    def get(self, key, default=None):
        value = super().get(key)
        return str(value) if value is not None else default


_HISTORY_LABELS = _Labels(
    {
        "create": gettext_lazy("création"),
        "update": gettext_lazy("modification des informations"),
        "rename": gettext_lazy("renommage"),
        "move": gettext_lazy("déplacement"),
        "trash": gettext_lazy("mise à la corbeille"),
        "restore": gettext_lazy("restauration depuis la corbeille"),
        "lock": gettext_lazy("réservation"),
        "unlock": gettext_lazy("fin de réservation"),
        "restrict": gettext_lazy("accès restreint"),
        "unrestrict": gettext_lazy("fin de la restriction"),
        "delete": gettext_lazy("suppression"),
    }
)
_AUDIT_LABELS = _Labels(
    {
        "ged.download": gettext_lazy("téléchargement"),
        "ged.preview": gettext_lazy("aperçu"),
        "ged.upload": gettext_lazy("dépôt"),
        "ged.version.create": gettext_lazy("nouvelle version"),
        "ged.version.restore": gettext_lazy("restauration d'une version"),
        "ged.version.milestone": gettext_lazy("jalon nommé"),
        "ged.grant": gettext_lazy("accès donné"),
        "ged.revoke": gettext_lazy("accès retiré"),
        "ged.folder.restrict": gettext_lazy("restriction modifiée"),
        "ged.document.trash": gettext_lazy("mise à la corbeille"),
        "ged.document.restore": gettext_lazy("restauration depuis la corbeille"),
        "ged.document.purge": gettext_lazy("suppression définitive"),
        "ged.document.move": gettext_lazy("déplacement"),
        "ged.folder.move": gettext_lazy("déplacement du dossier"),
        "ged.folder.delete": gettext_lazy("suppression du dossier"),
        "ged.space.create": gettext_lazy("création de l'espace"),
        "ged.space.freeze": gettext_lazy("espace passé en lecture seule"),
        "ged.space.unfreeze": gettext_lazy("espace de nouveau modifiable"),
    }
)
