"""The « élimination » slip: a PDF listing each destroyed document (title, type, rule, dates, SHA-256 of its
last version), who proposed, approved and executed the list, and when. Built with fpdf2 from the list's
items, which keep those facts after the documents are gone."""

from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)


class _Pdf(FPDF):
    def __init__(self):
        super().__init__(format="A4")
        folder = next((Path(f) for f in FONT_DIRS if (Path(f) / "DejaVuSans.ttf").is_file()), None)
        if folder is not None and (folder / "DejaVuSans-Bold.ttf").is_file():
            self.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
            self.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
            self.family, self.unicode = "DejaVu", True
        else:  # without DejaVu: the core font, Latin-1 only
            self.family, self.unicode = "helvetica", False
        self.set_auto_page_break(True, margin=15)
        self.set_margins(15, 15, 15)

    def line_of(self, value, *, size=10, bold=False, gap=1.5):
        value = str(value)
        if not self.unicode:
            value = value.encode("latin-1", "replace").decode("latin-1")
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, value, new_x="LMARGIN", new_y="NEXT")
        self.ln(gap)

    def footer(self):
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.cell(0, 5, _("Page %(n)s") % {"n": self.page_no()}, align="C")


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else "—"


def _who(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


def slip_pdf(dlist, items) -> bytes:
    pdf = _Pdf()
    pdf.set_title(_("Bordereau d'élimination"))
    pdf.set_creator("CCFI intranet")
    pdf.add_page()
    pdf.line_of(_("Bordereau d'élimination n° %(n)s") % {"n": dlist.pk}, size=16, bold=True, gap=3)
    pdf.line_of(
        _("Proposée par %(who)s le %(at)s") % {"who": _who(dlist.proposed_by), "at": _when(dlist.proposed_at)}
    )
    pdf.line_of(
        _("Visée par %(who)s le %(at)s") % {"who": _who(dlist.approved_by), "at": _when(dlist.approved_at)}
    )
    pdf.line_of(
        _("Exécutée par %(who)s le %(at)s") % {"who": _who(dlist.executed_by), "at": _when(dlist.executed_at)}
    )
    if dlist.note:
        pdf.line_of(_("Note : %(n)s") % {"n": dlist.note})
    destroyed = [i for i in items if i.destroyed_at]
    pdf.line_of(_("Documents éliminés : %(n)s") % {"n": len(destroyed)}, bold=True, gap=3)
    for item in items:
        pdf.line_of(item.title, size=11, bold=True, gap=0.5)
        pdf.line_of(
            _("Type : %(code)s — %(label)s · événement de départ le %(event)s · échéance le %(due)s")
            % {
                "code": item.rule_code,
                "label": item.rule_label,
                "event": item.event_date.strftime("%d/%m/%Y"),
                "due": item.due_date.strftime("%d/%m/%Y"),
            },
            size=9,
            gap=0.5,
        )
        pdf.line_of(_("SHA-256 de la dernière version : %(h)s") % {"h": item.sha256 or "—"}, size=8, gap=0.5)
        state = (
            _("Détruit le %(at)s") % {"at": _when(item.destroyed_at)}
            if item.destroyed_at
            else _("Déjà supprimé avant l'exécution")
        )
        pdf.line_of(state, size=9, gap=2.5)
    pdf.line_of(_("Édité le %(at)s.") % {"at": _when(timezone.now())}, size=8)
    return bytes(pdf.output())
