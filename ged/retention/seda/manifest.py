"""The SEDA 2.2 `ArchiveTransfer` manifest of a transfer, and its validation against the vendored schemas.

Layout: one `BinaryDataObject` per file (Uri = its path in the zip, SHA-256 `MessageDigest` and `Size` as
stored, `FileInfo/Filename` the name the agent gave); `DescriptiveMetadata` holds one archive unit per folder
of the GED tree (DescriptionLevel RecordGrp) with one unit per document inside (Item), which carries in its
`Management` the `AppraisalRule` (rule, start date, final action) and, when the document is held, the
`HoldRule`; the package's `ManagementMetadata` names the originating and submission agencies (the
transferring service). Identifiers in the XML (`BDO…`, `AU…`) are generated: user names are only text."""

import functools
import re
from datetime import UTC, date, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

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
    suffix = Path(item.filename).suffix.lower()
    suffix = suffix if suffix and not _UNSAFE_NAME.search(suffix[1:]) and len(suffix) <= 10 else ""
    return f"content/{index:06d}{suffix}"


def _sub(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NS}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _iso_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def _management(unit, item: TransferItem) -> None:
    if not item.rule_code and not item.final_action and not item.hold:
        return
    management = _sub(unit, "Management")
    if item.rule_code or item.final_action:
        appraisal = _sub(management, "AppraisalRule")
        if item.rule_code:
            _sub(appraisal, "Rule", _token(item.rule_code))
            if item.rule_start_date:
                _sub(appraisal, "StartDate", _iso_date(item.rule_start_date))
        # FinalAction is mandatory in an AppraisalRule: a rule without one is kept (« conserver »).
        _sub(appraisal, "FinalAction", item.final_action or "Keep")
    if item.hold:
        hold = _sub(management, "HoldRule")
        _sub(hold, "Rule", "GEL")
        if item.hold.start_date:
            _sub(hold, "StartDate", _iso_date(item.hold.start_date))
        if _token(item.hold.reason):
            _sub(hold, "HoldReason", _token(item.hold.reason))


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
    """The manifest of `items`, whose files will be at `zip_name(i, item)` (i counted from 1)."""
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}ArchiveTransfer")
    if comment:
        _sub(root, "Comment", comment)
    _sub(root, "Date", (now or datetime.now(UTC)).replace(microsecond=0).isoformat())
    _sub(root, "MessageIdentifier", _token(message_id))
    if archival_agreement:
        _sub(root, "ArchivalAgreement", _token(archival_agreement))
    codes = _sub(root, "CodeListVersions")
    _sub(codes, "ReplyCodeListVersion", "ReplyCodeListVersion0")
    _sub(codes, "MessageDigestAlgorithmCodeListVersion", "MessageDigestAlgorithmCodeListVersion0")
    _sub(codes, "MimeTypeCodeListVersion", "MimeTypeCodeListVersion0")
    _sub(codes, "FileFormatCodeListVersion", "FileFormatCodeListVersion0")
    _sub(codes, "AppraisalRuleCodeListVersion", "AppraisalRuleCodeListVersion0")
    _sub(codes, "HoldRuleCodeListVersion", "HoldRuleCodeListVersion0")

    package = _sub(root, "DataObjectPackage")
    for index, item in enumerate(items, 1):
        bdo = _sub(package, "BinaryDataObject", id=f"BDO{index}")
        _sub(bdo, "DataObjectVersion", "BinaryMaster_1")
        _sub(bdo, "Uri", zip_name(index, item))
        _sub(bdo, "MessageDigest", item.sha256, algorithm="SHA-256")
        if item.size > 0:  # SizeInBytesType is a positive integer: an empty file states no size
            _sub(bdo, "Size", str(item.size))
        if item.mime_type:
            fmt = _sub(bdo, "FormatIdentification")
            _sub(fmt, "MimeType", _token(item.mime_type))
        info = _sub(bdo, "FileInfo")
        _sub(info, "Filename", item.filename)

    descriptive = _sub(package, "DescriptiveMetadata")
    # The folder tree: one unit per distinct folder path prefix, created on first use, in document order.
    units: dict[tuple[str, ...], ET.Element] = {}
    counter = 0
    for index, item in enumerate(items, 1):
        parent = descriptive
        for depth in range(1, len(item.folder_path) + 1):
            key = tuple(item.folder_path[:depth])
            if key not in units:
                counter += 1
                unit = _sub(parent, "ArchiveUnit", id=f"AU{counter}")
                content = _sub(unit, "Content")
                _sub(content, "DescriptionLevel", "RecordGrp")
                _sub(content, "Title", key[-1])
                units[key] = unit
            parent = units[key]
        counter += 1
        unit = _sub(parent, "ArchiveUnit", id=f"AU{counter}")
        _management(unit, item)
        content = _sub(unit, "Content")
        _sub(content, "DescriptionLevel", "Item")
        _sub(content, "Title", item.title)
        _sub(content, "OriginatingSystemId", f"ged-document-{item.document_id}")
        _sub(content, "CreatedDate", _iso_date(item.created))
        ref = _sub(unit, "DataObjectReference")
        _sub(ref, "DataObjectReferenceId", f"BDO{index}")

    management = _sub(package, "ManagementMetadata")
    _sub(management, "OriginatingAgencyIdentifier", _token(transferring_agency))
    _sub(management, "SubmissionAgencyIdentifier", _token(transferring_agency))

    archival = _sub(root, "ArchivalAgency")
    _sub(archival, "Identifier", _token(archival_agency))
    transferring = _sub(root, "TransferringAgency")
    _sub(transferring, "Identifier", _token(transferring_agency))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@functools.cache
def _schema():
    import xmlschema

    return xmlschema.XMLSchema(str(MAIN_XSD))


def validate_manifest(xml_bytes: bytes) -> None:
    """Validate a manifest against the vendored SEDA 2.2 schema (offline). Raises
    `xmlschema.XMLSchemaValidationError` (a ValueError) saying where it does not conform."""
    import io

    _schema().validate(io.BytesIO(xml_bytes))
