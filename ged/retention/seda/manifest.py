"""The SEDA 2.2 `ArchiveTransfer` manifest of a transfer, and its validation against the vendored schemas.

Layout: one `BinaryDataObject` per file (Uri = its path in the zip, SHA-256 `MessageDigest` and `Size` as
stored, `FileInfo/Filename` the name the agent gave); `DescriptiveMetadata` holds one archive unit per folder
of the GED tree (DescriptionLevel RecordGrp) with one unit per document inside (Item), which carries in its
`Management` the `AppraisalRule` (rule, start date, final action) and, when the document is held, the
`HoldRule`; the package's `ManagementMetadata` names the originating and submission agencies (the
transferring service). Identifiers in the XML (`BDO…`, `AU…`) are generated: user names are only text,
escaped, with the characters XML 1.0 cannot carry dropped."""

import functools
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from .items import TransferItem

NS = "fr:gouv:culture:archivesdefrance:seda:v2.2"
XSD_DIR = Path(__file__).resolve().parent / "xsd"
MAIN_XSD = XSD_DIR / "seda-2.2-main.xsd"
MANIFEST_NAME = "manifest.xml"
# Rule identifiers are NonEmptyToken: no whitespace runs, not empty.
_SPACES = re.compile(r"\s+")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _token(value: str) -> str:
    return _SPACES.sub(" ", value).strip()


def zip_name(index: int, item: TransferItem) -> str:
    """The file's path inside the package: generated (a number), with the extension of the agent's file name
    kept when it is plain, so that the SAE and a person opening the zip see a usable file."""
    suffix = os.path.splitext(item.filename)[1].lower()
    suffix = suffix if suffix and not _UNSAFE_NAME.search(suffix[1:]) and len(suffix) <= 10 else ""
    return f"content/{index:06d}{suffix}"


# Characters XML 1.0 cannot carry (C0 controls but tab, CR, LF; surrogates; U+FFFE/U+FFFF): dropped from text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value))


def _el(tag: str, value: str) -> str:
    return f"<{tag}>{_text(value)}</{tag}>"


def _iso_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def _management(item: TransferItem) -> str:
    if not item.rule_code and not item.final_action and not item.hold:
        return ""
    out = ["<Management>"]
    if item.rule_code or item.final_action:
        out.append("<AppraisalRule>")
        if item.rule_code:
            out.append(_el("Rule", _token(item.rule_code)))
            if item.rule_start_date:
                out.append(_el("StartDate", _iso_date(item.rule_start_date)))
        # FinalAction is mandatory in an AppraisalRule: a rule without one is kept (« conserver »).
        out.append(_el("FinalAction", item.final_action or "Keep"))
        out.append("</AppraisalRule>")
    if item.hold:
        out.append("<HoldRule>" + _el("Rule", "GEL"))
        if item.hold.start_date:
            out.append(_el("StartDate", _iso_date(item.hold.start_date)))
        if _token(item.hold.reason):
            out.append(_el("HoldReason", _token(item.hold.reason)))
        out.append("</HoldRule>")
    out.append("</Management>")
    return "".join(out)


class _Unit:
    """A folder's archive unit while the tree is built: its title and its children in document order."""

    __slots__ = ("children", "title")

    def __init__(self, title: str):
        self.title = title
        self.children: list = []  # _Unit, or the XML of a document's unit


def manifest_bytes(
    items: list[TransferItem],
    *,
    message_id: str,
    comment: str = "",
    archival_agency: str,
    transferring_agency: str,
    archival_agreement: str = "",
    now: datetime | None = None,
) -> bytes:
    """The manifest of `items`, whose files will be at `zip_name(i, item)` (i counted from 1). Written as
    text in one pass (a thousand documents in milliseconds), every value escaped."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<ArchiveTransfer xmlns="{NS}">']
    if comment:
        out.append(_el("Comment", comment))
    out.append(_el("Date", (now or datetime.now(UTC)).replace(microsecond=0).isoformat()))
    out.append(_el("MessageIdentifier", _token(message_id)))
    if archival_agreement:
        out.append(_el("ArchivalAgreement", _token(archival_agreement)))
    out.append("<CodeListVersions>")
    for code in (
        "ReplyCodeListVersion",
        "MessageDigestAlgorithmCodeListVersion",
        "MimeTypeCodeListVersion",
        "FileFormatCodeListVersion",
        "AppraisalRuleCodeListVersion",
        "HoldRuleCodeListVersion",
    ):
        out.append(_el(code, code + "0"))
    out.append("</CodeListVersions><DataObjectPackage>")
    for index, item in enumerate(items, 1):
        out.append(
            f'<BinaryDataObject id="BDO{index}"><DataObjectVersion>BinaryMaster_1</DataObjectVersion>'
            f"{_el('Uri', zip_name(index, item))}"
            f'<MessageDigest algorithm="SHA-256">{_text(item.sha256)}</MessageDigest>'
        )
        if item.size > 0:  # SizeInBytesType is a positive integer: an empty file states no size
            out.append(f"<Size>{int(item.size)}</Size>")
        if item.mime_type:
            out.append(
                f"<FormatIdentification>{_el('MimeType', _token(item.mime_type))}</FormatIdentification>"
            )
        out.append(f"<FileInfo>{_el('Filename', item.filename)}</FileInfo></BinaryDataObject>")

    # The folder tree: one unit per distinct folder path prefix, created on first use, in document order.
    top = _Unit("")
    folders: dict[tuple[str, ...], _Unit] = {}
    for index, item in enumerate(items, 1):
        parent = top
        for depth in range(1, len(item.folder_path) + 1):
            key = tuple(item.folder_path[:depth])
            if key not in folders:
                folders[key] = _Unit(key[-1])
                parent.children.append(folders[key])
            parent = folders[key]
        parent.children.append(
            f"{_management(item)}<Content><DescriptionLevel>Item</DescriptionLevel>{_el('Title', item.title)}"
            f"<OriginatingSystemId>ged-document-{int(item.document_id)}</OriginatingSystemId>"
            f"{_el('CreatedDate', _iso_date(item.created))}</Content>"
            f"<DataObjectReference><DataObjectReferenceId>BDO{index}</DataObjectReferenceId>"
            "</DataObjectReference>"
        )
    counter = 0

    def write(unit: _Unit) -> None:
        nonlocal counter
        for child in unit.children:
            counter += 1
            if isinstance(child, str):
                out.append(f'<ArchiveUnit id="AU{counter}">{child}</ArchiveUnit>')
                continue
            out.append(
                f'<ArchiveUnit id="AU{counter}"><Content><DescriptionLevel>RecordGrp</DescriptionLevel>'
                f"{_el('Title', child.title)}</Content>"
            )
            write(child)
            out.append("</ArchiveUnit>")

    out.append("<DescriptiveMetadata>")
    write(top)
    out.append("</DescriptiveMetadata><ManagementMetadata>")
    out.append(_el("OriginatingAgencyIdentifier", _token(transferring_agency)))
    out.append(_el("SubmissionAgencyIdentifier", _token(transferring_agency)))
    out.append("</ManagementMetadata></DataObjectPackage>")
    out.append(f"<ArchivalAgency>{_el('Identifier', _token(archival_agency))}</ArchivalAgency>")
    out.append(f"<TransferringAgency>{_el('Identifier', _token(transferring_agency))}</TransferringAgency>")
    out.append("</ArchiveTransfer>")
    return "".join(out).encode()


@functools.cache
def _schema():
    import xmlschema

    return xmlschema.XMLSchema(str(MAIN_XSD))


def validate_manifest(xml_bytes: bytes) -> None:
    """Validate a manifest against the vendored SEDA 2.2 schema (offline). Raises
    `xmlschema.XMLSchemaValidationError` (a ValueError) saying where it does not conform."""
    import io

    _schema().validate(io.BytesIO(xml_bytes))
