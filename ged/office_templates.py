"""Blank office documents, generated at run time (no binary in the repository), and the templates a space
offers in its « Modèles » folder.

The blank files are byte-for-byte deterministic: fixed core properties and fixed zip timestamps, so two
blank documents share one blob and the tests can pin their hash."""

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext_lazy as _

from .models import Document, Folder
from .names import extension

# The extension a blank document gets, and the button label (lazy: translated at render time).
BLANK_KINDS = {
    "docx": _("Nouveau document"),
    "xlsx": _("Nouveau classeur"),
    "pptx": _("Nouvelle présentation"),
}
# Documents of these types in a « Modèles » folder are offered as templates.
TEMPLATE_EXTENSIONS = {"docx", "xlsx", "pptx", "odt", "ods", "odp"}
TEMPLATES_FOLDER = "Modèles"

_EPOCH = dt.datetime(2024, 1, 1, 0, 0, 0)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_W3CDTF = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes, keeping the entry order ([Content_Types].xml
    first, which some readers expect)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            content = src.read(info)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps "modified" with the save time whatever the workbook says.
                content = _W3CDTF.sub(rb"\g<1>2024-01-01T00:00:00Z\g<2>", content)
            dst.writestr(fixed, content)
    return out.getvalue()


def _set_core(props) -> None:
    props.author = ""
    props.last_modified_by = ""
    props.title = ""
    props.revision = 1
    props.created = _EPOCH
    props.modified = _EPOCH


def _docx() -> bytes:
    from docx import Document as WordDocument

    doc = WordDocument()
    _set_core(doc.core_properties)
    doc.core_properties.language = "fr-FR"
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Feuille 1"
    wb.properties.creator = ""
    wb.properties.lastModifiedBy = ""
    wb.properties.created = _EPOCH
    wb.properties.modified = _EPOCH
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _pptx() -> bytes:
    from pptx import Presentation

    prs = Presentation()
    _set_core(prs.core_properties)
    layout = prs.slide_layouts[0]  # "Title Slide": an empty deck would open on nothing to click
    prs.slides.add_slide(layout)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


_BUILDERS = {"docx": _docx, "xlsx": _xlsx, "pptx": _pptx}


@cache
def blank_bytes(ext: str) -> bytes:
    """The blank file for `ext` (docx, xlsx or pptx), built once per process."""
    return _deterministic_zip(_BUILDERS[ext]())


@dataclass(frozen=True)
class OfficeTemplate:
    document_id: int
    title: str
    ext: str

    @property
    def stem(self) -> str:
        return self.title.rpartition(".")[0] or self.title


def space_templates(user, space_id: int) -> list[OfficeTemplate]:
    """Office documents the agent may read in the « Modèles » folder at the root of the space (two queries,
    plus the cached grants)."""
    from .permissions import readable_documents_q

    folder = (
        Folder.objects.filter(
            space_id=space_id, depth=2, name__iexact=TEMPLATES_FOLDER, trashed_at__isnull=True
        )
        .only("id", "path")
        .first()
    )
    if folder is None:
        return []
    rows = (
        Document.objects.live()
        .filter(readable_documents_q(user), folder__path__startswith=folder.path)
        .filter(current_version__isnull=False)
        .order_by("title", "pk")
        .values_list("pk", "title")
    )
    return [
        OfficeTemplate(document_id=pk, title=title, ext=extension(title))
        for pk, title in rows
        if extension(title) in TEMPLATE_EXTENSIONS
    ]
