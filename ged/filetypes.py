"""File types as people name them (« Document Word »), never a MIME type (`application/vnd…`).

One table used by the folder listing, the document page, search results and the API (`type_label`). The
extension decides first (it is what agents see and what Office relies on); the MIME type detected at upload
is the fallback for names without a known extension.
"""

from django.utils.translation import gettext_lazy as _

_BY_EXTENSION = {
    # Word processing
    "doc": _("Document Word"),
    "docx": _("Document Word"),
    "docm": _("Document Word"),
    "dot": _("Modèle Word"),
    "dotx": _("Modèle Word"),
    "odt": _("Document OpenDocument"),
    "ott": _("Modèle OpenDocument"),
    "rtf": _("Document RTF"),
    # Spreadsheets
    "xls": _("Classeur Excel"),
    "xlsx": _("Classeur Excel"),
    "xlsm": _("Classeur Excel"),
    "xltx": _("Modèle Excel"),
    "ods": _("Classeur OpenDocument"),
    "csv": _("Tableau CSV"),
    # Presentations
    "ppt": _("Présentation PowerPoint"),
    "pptx": _("Présentation PowerPoint"),
    "pps": _("Présentation PowerPoint"),
    "ppsx": _("Présentation PowerPoint"),
    "potx": _("Modèle PowerPoint"),
    "odp": _("Présentation OpenDocument"),
    # Portable documents and text
    "pdf": _("Document PDF"),
    "txt": _("Texte"),
    "md": _("Texte"),
    "log": _("Texte"),
    "html": _("Page web"),
    "htm": _("Page web"),
    "xml": _("Fichier XML"),
    "json": _("Fichier JSON"),
    # Images
    "png": _("Image PNG"),
    "jpg": _("Image JPEG"),
    "jpeg": _("Image JPEG"),
    "gif": _("Image GIF"),
    "svg": _("Image SVG"),
    "webp": _("Image WebP"),
    "tif": _("Image TIFF"),
    "tiff": _("Image TIFF"),
    "bmp": _("Image BMP"),
    # Mail, archives, media
    "eml": _("Courriel"),
    "msg": _("Courriel Outlook"),
    "zip": _("Archive ZIP"),
    "7z": _("Archive 7-Zip"),
    "mp3": _("Fichier audio"),
    "wav": _("Fichier audio"),
    "mp4": _("Vidéo"),
}

_BY_MIME = {
    "application/msword": _("Document Word"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _("Document Word"),
    "application/vnd.oasis.opendocument.text": _("Document OpenDocument"),
    "application/rtf": _("Document RTF"),
    "application/vnd.ms-excel": _("Classeur Excel"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _("Classeur Excel"),
    "application/vnd.oasis.opendocument.spreadsheet": _("Classeur OpenDocument"),
    "text/csv": _("Tableau CSV"),
    "application/vnd.ms-powerpoint": _("Présentation PowerPoint"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": _("Présentation PowerPoint"),
    "application/vnd.oasis.opendocument.presentation": _("Présentation OpenDocument"),
    "application/pdf": _("Document PDF"),
    "text/plain": _("Texte"),
    "text/html": _("Page web"),
    "application/json": _("Fichier JSON"),
    "application/zip": _("Archive ZIP"),
    "message/rfc822": _("Courriel"),
}

_BY_MIME_FAMILY = {
    "image": _("Image"),
    "audio": _("Fichier audio"),
    "video": _("Vidéo"),
    "text": _("Texte"),
}

UNKNOWN = _("Fichier")


def type_label(mime_type: str | None, name: str = "") -> str:
    """The French name of a file's type, from its name's extension, else its MIME type, else « Fichier »."""
    stem, dot, ext = (name or "").rpartition(".")
    if dot and stem:
        label = _BY_EXTENSION.get(ext.lower())
        if label is not None:
            return str(label)
    mime = (mime_type or "").split(";")[0].strip().lower()
    label = _BY_MIME.get(mime) or _BY_MIME_FAMILY.get(mime.partition("/")[0])
    return str(label if label is not None else UNKNOWN)
