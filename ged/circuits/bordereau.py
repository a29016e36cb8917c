"""The « bordereau » of a finished circuit: a PDF listing the document, the version submitted and its SHA-256
(and the PAdES-signed version the circuit added, if any), then every step and every decision (who, when,
« pour le compte de », decision, reason, version hash). Built with fpdf2 from the recorded rows, so the same
circuit always prints the same facts. Private annotations are not printed."""

from pathlib import Path

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from fpdf import FPDF

from .choices import Decision, StepKind
from .models import Circuit
from .queries import all_actions

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)


def _font_file(name: str) -> Path | None:
    for folder in FONT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return path
    return None


class SlipPdf(FPDF):
    """A4 in DejaVu when installed (every French character), else the core font; `line_of` writes a paragraph.
    The bordereau's, and the demo's deliberation (ged/circuits/demo.py)."""

    def __init__(self):
        super().__init__(format="A4")
        regular, bold = _font_file("DejaVuSans.ttf"), _font_file("DejaVuSans-Bold.ttf")
        if regular and bold:
            self.add_font("DejaVu", "", str(regular))
            self.add_font("DejaVu", "B", str(bold))
            self.family, self.unicode = "DejaVu", True
        else:  # without DejaVu (fonts-dejavu-core): the core font, Latin-1 only
            self.family, self.unicode = "helvetica", False
        self.set_auto_page_break(True, margin=15)
        self.set_margins(15, 15, 15)

    def text_of(self, value) -> str:
        value = str(value)
        return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")

    def line_of(self, value, *, size=10, bold=False, gap=1.5):
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, self.text_of(value), new_x="LMARGIN", new_y="NEXT")
        self.ln(gap)

    def footer(self):
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.cell(0, 5, self.text_of(_("Page %(n)s") % {"n": self.page_no()}), align="C")


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M:%S") if value else "—"


def _decision_label(action) -> str:
    if action.decision == Decision.ANNOTATE:
        return _("Annotation")
    if action.decision == Decision.REJECT:
        return _("Rejet")
    if action.step.kind == StepKind.SIGNATURE:
        return _("Signature")
    if action.step.kind == StepKind.OPINION:
        return _("Avis favorable")
    return _("Visa")


def bordereau_pdf(circuit: Circuit) -> bytes:
    document = circuit.document
    pdf = SlipPdf()
    pdf.set_title(_("Bordereau de circuit"))
    pdf.set_creator("CCFI intranet")
    pdf.add_page()
    pdf.line_of(_("Bordereau de circuit"), size=16, bold=True, gap=3)
    pdf.line_of(_("Document : %(t)s") % {"t": document.title}, bold=True)
    pdf.line_of(
        _("Version soumise : %(n)s · SHA-256 %(h)s")
        % {"n": circuit.first_version.number, "h": circuit.first_sha256},
        size=9,
    )
    signed = circuit.signed_version
    if signed is not None:
        pdf.line_of(
            _("Version signée : %(n)s · SHA-256 %(h)s") % {"n": signed.number, "h": circuit.version_sha256},
            size=9,
        )
    pdf.line_of(_("Circuit : %(n)s") % {"n": circuit.name})
    submitter = circuit.submitter.get_full_name() if circuit.submitter else "—"
    pdf.line_of(_("Déposé par %(who)s le %(at)s") % {"who": submitter, "at": _when(circuit.submitted_at)})
    pdf.line_of(
        _("État : %(s)s · terminé le %(at)s")
        % {"s": circuit.get_status_display(), "at": _when(circuit.finished_at)}
    )
    if circuit.stop_reason:
        pdf.line_of(_("Motif d'arrêt : %(r)s") % {"r": circuit.stop_reason})
    pdf.ln(3)
    actions = all_actions(circuit)
    for step in circuit.steps.select_related("desk").order_by("position"):
        pdf.line_of(
            _("Étape %(n)s · %(kind)s · bureau « %(desk)s » · %(status)s")
            % {
                "n": step.position,
                "kind": step.get_kind_display(),
                "desk": step.desk.name,
                "status": step.get_status_display(),
            },
            size=11,
            bold=True,
        )
        mine = [a for a in actions if a.step_id == step.pk]
        if not mine:
            pdf.line_of(_("Aucune action."), size=9, gap=3)
            continue
        for action in mine:
            who = action.actor_label
            if action.on_behalf_of:
                who = _("%(who)s, pour le compte de %(whom)s") % {"who": who, "whom": action.on_behalf_of}
            pdf.line_of(f"{_when(action.at)} · {_decision_label(action)} · {who}", size=9, gap=0.5)
            if action.text:
                pdf.line_of(_("Motif ou annotation : %(t)s") % {"t": action.text}, size=9, gap=0.5)
            pdf.line_of(
                _("Version %(n)s · SHA-256 %(h)s") % {"n": action.version.number, "h": action.version_sha256},
                size=8,
                gap=2,
            )
        pdf.ln(1)
    pdf.ln(2)
    pdf.line_of(_("Édité le %(at)s.") % {"at": _when(timezone.now())}, size=8)
    return bytes(pdf.output())


def bordereau_filename(circuit: Circuit) -> str:
    stem = slugify(circuit.document.title)[:80] or "document"
    return f"bordereau-{stem}-{circuit.pk}.pdf"
