"""Made-up payroll PDFs (fpdf2): one page per agent carrying the registration number, for the demo, the
tests and bench B12. Nothing here is a real payslip layout."""

import datetime
import random

from django.utils import formats


def payroll_pdf(rows: list[tuple[str, str]], period: datetime.date, *, seed: int = 0) -> bytes:
    """One page per (registration number, name); amounts drawn from `seed` (the same bytes for the same
    arguments). A registration number of "" makes a page without one (quarantine)."""
    from fpdf import FPDF  # noqa: PLC0415

    rng = random.Random(seed)
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    pdf.set_auto_page_break(False)
    month = formats.date_format(period, "F Y")
    for number, name in rows:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 10, f"Bulletin de paie - {month}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.cell(0, 8, "Employeur : Communaute de communes (exemple)", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 8, f"Agent : {name}", new_x="LMARGIN", new_y="NEXT")
        if number:
            pdf.cell(0, 8, f"Matricule : {number}", new_x="LMARGIN", new_y="NEXT")
        gross = rng.randint(180000, 420000) / 100
        pdf.cell(0, 8, f"Traitement brut : {gross:.2f} EUR", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 8, f"Net a payer : {gross * 0.78:.2f} EUR", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
