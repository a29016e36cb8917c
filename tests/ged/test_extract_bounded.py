"""Issue 12 part 6: text extraction runs in a limited child process and costs, for a hostile file, about
what an ordinary file of its size costs. Costs are the child's CPU time (`RUSAGE_CHILDREN`, children
included), measured in the same test for the hostile file and an ordinary one of the same size, compared
with a generous factor: never a wall-clock timer."""

import io
import random
import resource
import time
import zipfile

from ged import extractors
from ged.extract import extract
from ged.samples import docx_bytes, odt_bytes, pdf_bytes, xlsx_bytes

WORDS = ["congé", "agent", "procédure", "accueil", "salaire", "dossier", "mairie", "service", "délibération"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _extract_cost(path, ext) -> tuple[str, float]:
    before = _children_cpu()
    text = extract(str(path), ext, path.stat().st_size)
    return text, _children_cpu() - before


def _hostile_pdf() -> bytes:
    # The reproduction of the issue: 30 to 90 s in the old fallback's regular expression.
    return b"%PDF-1.4\n" + b"stream\n" * 16_000


def _ordinary_pdf(size: int) -> bytes:
    rnd = random.Random(12)
    parts = [b"%PDF-1.4\n"]
    total = len(parts[0])
    n = 1
    while total < size:
        shown = b" ".join(
            b"(%s) Tj" % " ".join(rnd.choice(WORDS) for _ in range(8)).encode("latin-1") for _ in range(20)
        )
        body = b"BT /F1 12 Tf " + shown + b" ET"
        obj = b"%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (n, len(body), body)
        parts.append(obj)
        total += len(obj)
        n += 1
    return b"".join(parts)[:size]


def _docx(document_xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def _hostile_docx() -> bytes:
    # A zip bomb: ~35 MB of tiny paragraphs deflated ~500 times (entries inflating to GBs work the same way:
    # the reader stops at a byte budget proportional to the file's size).
    paragraph = b'<w:p><w:r><w:t xml:space="preserve">a </w:t></w:r></w:p>'
    return _docx(b'<w:document xmlns:w="w"><w:body>' + paragraph * 600_000 + b"</w:body></w:document>")


def _ordinary_docx(size: int) -> bytes:
    rnd = random.Random(7)
    paragraphs = []
    while True:  # random words and numbers deflate about 2.5 times: grow until the size is reached
        paragraphs.extend(
            " ".join(f"{rnd.choice(WORDS)}{rnd.randint(0, 10**6)}" for _ in range(12))
            for _ in range(max(200, size // 250))
        )
        data = docx_bytes(paragraphs)
        if len(data) >= size:
            return data


def test_ordinary_files_are_extracted(tmp_path):
    samples = {
        "txt": "Procédure d'accueil des agents".encode(),
        "docx": docx_bytes(["Procédure d'accueil", "Congé annuel"]),
        "odt": odt_bytes(["Procédure d'accueil", "Congé annuel"]),
        "xlsx": xlsx_bytes([["Congé annuel", 25]]),
        "pdf": pdf_bytes(["Procedure d'accueil des agents"]),
    }
    for ext, data in samples.items():
        path = tmp_path / f"f.{ext}"
        path.write_bytes(data)
        text = extract(str(path), ext, len(data))
        assert ("accueil" in text) or ("Congé annuel" in text), (ext, text)
    assert extract(str(tmp_path / "f.txt"), "exe", 10) == ""


def test_fallback_pdf_reader_reads_text_operators():
    body = b"BT (Bonjour) Tj [(Proc) -20 (\\351dure)] TJ (l\\'agent) ' ET"
    data = b"%PDF-1.4\n1 0 obj\n<< >>\nstream\n" + body + b"\nendstream\nendobj\n"
    text = extractors.pdf_fallback(data, extractors.Budget(10, 10**6))
    assert text.split() == ["Bonjour", "Procédure", "l'agent"]


def test_hostile_pdf_costs_what_an_ordinary_pdf_of_its_size_costs(tmp_path):
    hostile = _hostile_pdf()
    ordinary = _ordinary_pdf(len(hostile))
    # The fallback reader itself, in this process: one linear pass.
    costs = {}
    for name, data in (("hostile", hostile), ("ordinary", ordinary)):
        start = time.process_time()
        extractors.pdf_fallback(data, extractors.Budget(60, 10**9))
        costs[name] = time.process_time() - start
    assert costs["hostile"] <= 3 * costs["ordinary"] + 0.05, costs
    # Through the child process (pdftotext when installed, which refuses the hostile file, then the
    # fallback): the same order of cost, and the ordinary file's text comes back.
    (tmp_path / "h.pdf").write_bytes(hostile)
    (tmp_path / "o.pdf").write_bytes(ordinary)
    text_o, cost_o = _extract_cost(tmp_path / "o.pdf", "pdf")
    text_h, cost_h = _extract_cost(tmp_path / "h.pdf", "pdf")
    assert "procédure" in text_o or "procedure" in text_o.lower()
    assert text_h == ""
    print(f"pdf: in-process {costs}, child CPU hostile {cost_h:.3f} s, ordinary {cost_o:.3f} s")
    assert cost_h <= 3 * cost_o + 0.2, (cost_h, cost_o)


def test_hostile_docx_is_bounded_like_an_ordinary_docx_of_its_size(tmp_path):
    hostile = _hostile_docx()
    ordinary = _ordinary_docx(len(hostile))
    (tmp_path / "h.docx").write_bytes(hostile)
    (tmp_path / "o.docx").write_bytes(ordinary)
    text_o, cost_o = _extract_cost(tmp_path / "o.docx", "docx")
    text_h, cost_h = _extract_cost(tmp_path / "h.docx", "docx")
    assert "agent" in text_o or "congé" in text_o
    # Bounded result: only the byte budget (20 times the file's size) was read, not the 35 MB inside.
    assert 0 < len(text_h) <= extractors.XML_RATIO * len(hostile) // 10
    print(f"docx child CPU: hostile {cost_h:.3f} s, ordinary {cost_o:.3f} s")
    assert cost_h <= 8 * cost_o + 0.3, (cost_h, cost_o)


def test_child_limits_are_hard(tmp_path, settings):
    """The child cannot grow past GED_EXTRACT_MEMORY_MB: an allocation beyond it fails and yields ""."""
    path = tmp_path / "f.txt"
    path.write_bytes(b"Bonjour")
    settings.GED_EXTRACT_MEMORY_MB = 512
    assert extract(str(path), "txt", 7) == "Bonjour"
    settings.GED_EXTRACT_MEMORY_MB = 8  # below what the interpreter needs to start
    assert extract(str(path), "txt", 7) == ""
