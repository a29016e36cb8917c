"""The GED's side of links from other apps (`intranet.registry.register_link_kind` and
`register_attachment_store`): a project card links to documents of its project's space, and its
attachments are stored there.

Every check is the GED's own: `access_document` when a link is added, `readable_documents_q` each time it is
shown, `folder_access(...).abilities["upload"]` (frozen spaces included) and `document_upload` (size,
content, antivirus, versions) for an attachment.
"""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from intranet.params import MAX_ID

from .actions import document_upload, folder_create
from .actions.titles import free_title
from .models import Document, Folder, Space
from .names import clean_name
from .permissions import access_document, folder_access, frozen_message, readable_documents_q

ATTACHMENTS_FOLDER = "Pièces jointes"


def _space_id(refs) -> int | None:
    value = (refs or {}).get("ged", {}).get("space_id")
    return int(value) if value else None


def parse(text: str) -> int | None:
    """A document's number, or its page's address (absolute or not, any sub-page of the document)."""
    text = (text or "").strip()[:2000]
    if re.fullmatch(r"[0-9]{1,19}", text):
        number = int(text)
        return number if 1 <= number <= MAX_ID else None
    path = urlsplit(text).path
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.namespace == "ged" and match.url_name.startswith("document") and "pk" in match.kwargs:
        return int(match.kwargs["pk"])
    return None


def validate(refs, object_id: int, user) -> str | None:
    try:
        document = access_document(user, object_id, need="read").document
    except Http404:
        return _("Ce document n'existe pas ou vous ne pouvez pas le lire : vérifiez son adresse.")
    if document.space_id != _space_id(refs):
        return _(
            "Seuls les documents de l'espace documentaire du projet peuvent être liés à ses cartes : "
            "déposez-y d'abord le document, ou joignez-le à la carte."
        )
    return None


def resolve_links(object_ids, user) -> dict[int, tuple[str, str]]:
    """The documents `user` may read now: the grants query (cached), the restricted folders, one page."""
    ids = sorted({int(i) for i in object_ids})
    if not ids:
        return {}
    rows = (
        Document.objects.filter(pk__in=ids, trashed_at__isnull=True, placeholder=False)
        .filter(readable_documents_q(user))
        .values_list("pk", "title")
    )
    return {pk: (title, reverse("ged:document", args=[pk])) for pk, title in rows}


def _child(parent: Folder, name: str, user) -> Folder:
    existing = Folder.objects.filter(
        path__startswith=parent.path, depth=parent.depth + 1, trashed_at__isnull=True, name__iexact=name
    ).first()
    return existing or folder_create(parent=parent, name=name, actor=user)


def store(refs, folder_name: str, uploaded_file, user) -> int:
    """A document of the team's space, in « Pièces jointes » / <folder_name>, with a free title (an
    attachment never becomes a new version of another card's file of the same name)."""
    space = Space.objects.live().select_related("root").filter(pk=_space_id(refs)).first()
    if space is None or space.root is None:
        raise ValidationError(
            _("Ce projet n'a pas d'espace documentaire : impossible d'y joindre un fichier.")
        )
    root = space.root
    root.space = space
    access = folder_access(user, root)
    if not access.abilities["upload"]:
        raise ValidationError(
            frozen_message()
            if space.frozen
            else _("Vos droits sur l'espace documentaire du projet ne permettent pas d'y déposer un fichier.")
        )
    name = clean_name(getattr(uploaded_file, "name", "") or "")
    with transaction.atomic():
        folder = _child(_child(root, ATTACHMENTS_FOLDER, user), clean_name(folder_name)[:120], user)
        title = free_title(folder.pk, name, label=_("pièce jointe"))
        document, _version = document_upload(
            folder=folder, uploaded_file_or_path=uploaded_file, author=user, title=title
        )
    return document.pk
