"""A fourth kept-back set for issue 36 (../heldout, ../heldout2 and ../heldout3 were each seen
once, and fixes followed): written after the last change to table answers, committed before it is
run, run once, to measure. Ruled and borderless PDFs, an invoice over two PDF pages, Word, HTML,
Excel, OpenDocument and CSV. Run: python bench/tables/heldout4/make.py"""

from __future__ import annotations

import io
from pathlib import Path

DOCS = Path(__file__).parent / "docs"

EBIKES = [["Model", "Motor", "Battery", "Range", "Weight", "Price"],
          ["Urban 300", "250 W hub", "400 Wh", "70 km", "22 kg", "1,890 EUR"],
          ["Urban 500", "250 W mid", "500 Wh", "95 km", "23.5 kg", "2,490 EUR"],
          ["Trail X", "250 W mid", "625 Wh", "110 km", "24.8 kg", "3,350 EUR"],
          ["Cargo L", "250 W mid", "750 Wh", "90 km", "38 kg", "4,100 EUR"],
          ["Fold 1", "250 W hub", "300 Wh", "50 km", "17 kg", "1,490 EUR"]]

PLANTS = [["Plant", "Pot", "Price", "In stock"],
          ["Lavender", "2 l", "6.50", "yes"],
          ["Rosemary", "1 l", "4.20", "yes"],
          ["Olive tree", "30 l", "89.00", "no"],
          ["Hydrangea", "5 l", "18.90", "yes"],
          ["Boxwood ball", "10 l", "34.00", "yes"],
          ["Camellia", "3 l", "14.50", "no"]]

ITEMS = [("Printer paper A4, box", 12, 24.90), ("Black toner TN-420", 3, 58.00), ("Colour toner TN-421", 2, 71.50),
         ("Ballpoint pens, pack of 50", 4, 9.80), ("Stapler", 2, 12.40), ("Staples, box of 5000", 6, 3.10),
         ("Desk lamp LED", 5, 27.00), ("Whiteboard markers, set", 8, 6.75), ("Sticky notes, 12 pads", 10, 5.60),
         ("Archive boxes", 20, 2.45), ("Ring binders A4", 30, 1.95), ("Envelopes C4, box", 3, 14.20),
         ("Scissors", 4, 3.80), ("Tape dispenser", 3, 6.10), ("Letter trays", 6, 4.90),
         ("Highlighters, set of 6", 9, 4.40), ("Notebooks A5", 25, 2.30), ("Desk organiser", 4, 11.60),
         ("USB sticks 64 GB", 10, 8.90), ("Cable ties, bag", 2, 3.50), ("Paper clips, box", 12, 1.20),
         ("Correction tape", 8, 2.10), ("Laminating pouches", 2, 15.30), ("Hole punch", 2, 9.90),
         ("Label printer tape", 5, 13.70), ("Monitor stand", 3, 32.00), ("Footrest", 2, 24.50),
         ("Document wallets", 15, 0.85), ("Calculator", 3, 16.40), ("Wall clock", 1, 19.90),
         ("Filing cabinet keys", 2, 7.50), ("Coffee mugs, set of 6", 2, 18.00)]

TRAINING = [["Team", "Day", "Time", "Coach", "Pitch"],
            ["Under 9", "Tuesday", "17:00", "Ana Lopes", "Pitch 2"],
            ["Under 11", "Wednesday", "17:30", "Ben Hughes", "Pitch 1"],
            ["Under 13", "Thursday", "18:00", "Ana Lopes", "Pitch 1"],
            ["Under 15", "Monday", "18:30", "Chris Obi", "Pitch 3"],
            ["Seniors", "Friday", "19:30", "Dave Kerr", "Pitch 1"]]

TRAINS = [["Train", "Departs", "To", "Platform", "Arrives"],
          ["IC 512", "07:15", "Leeds", "4", "09:02"],
          ["RE 77", "07:40", "York", "2", "08:31"],
          ["IC 518", "08:15", "Leeds", "4", "10:01"],
          ["EX 9", "09:05", "Edinburgh", "6", "13:20"]]

SALES = [("North", 12400, 13100, 11800, 15200), ("South", 9800, 10250, 10900, 12300),
         ("East", 14050, 13600, 14900, 16700), ("West", 7300, 8150, 8400, 9900)]

VACCINES = [["Vaccine", "Given", "Clinic", "Next due"], ["Tetanus", "2021-05-12", "Hill Street", "2031"],
            ["Flu", "2025-10-03", "Pharmacy Plus", "2026"], ["Hepatitis A", "2023-02-20", "Travel Clinic", "2033"]]

LOANS = "title,borrower,due\nThe Hobbit,Mia,2025-12-10\nDune,Leo,2025-12-03\nMatilda,Mia,2025-12-17\n"


def _table(pdf, rows, **options):  # type: ignore[no-untyped-def]
    with pdf.table(**options) as t:
        for row in rows:
            r = t.row()
            for c in row:
                r.cell(c)


def _pdf(name: str, title: str, note: str, rows: list[list[str]], gap: float = 3, **options) -> None:  # type: ignore[no-untyped-def]
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 6, note, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)
    _table(pdf, rows, **options)
    pdf.output(str(DOCS / name))


def invoice_rows() -> list[list[str]]:
    return [["Item", "Qty", "Unit price", "Amount"]] + [
        [item, str(qty), f"{price:.2f}", f"{qty * price:.2f}"] for item, qty, price in ITEMS]


def training() -> None:
    import docx

    d = docx.Document()
    d.add_heading("Youth football club: training times", level=1)
    d.add_paragraph("Bring shin pads and water. Sessions are cancelled when the pitches are frozen.")
    t = d.add_table(rows=len(TRAINING), cols=5)
    for i, row in enumerate(TRAINING):
        for j, c in enumerate(row):
            t.cell(i, j).text = c
    d.save(str(DOCS / "training-times.docx"))


def trains() -> None:
    head = "".join(f"<th>{c}</th>" for c in TRAINS[0])
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in TRAINS[1:])
    (DOCS / "departures.html").write_text(
        f"<html><body><h1>Morning departures from Central</h1>\n<p>Times are the winter timetable.</p>\n"
        f"<table><thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table></body></html>\n", encoding="utf-8")


def sales() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sales 2025"
    sheet.append(["Sales by region, EUR"])
    sheet.append(["Region", "Q1", "Q2", "Q3", "Q4"])
    for row in SALES:
        sheet.append(list(row))
        for col in range(2, 6):
            sheet.cell(sheet.max_row, col).number_format = "#,##0"
    book.save(str(DOCS / "regional-sales.xlsx"))


def vaccines() -> None:
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableRow
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Vaccination record"))
    t = Table(name="Vaccinations")
    for row in VACCINES:
        tr = TableRow()
        for c in row:
            cell = TableCell()
            cell.addElement(P(text=c))
            tr.addElement(cell)
        t.addElement(tr)
    doc.text.addElement(t)
    buf = io.BytesIO()
    doc.write(buf)
    (DOCS / "vaccinations.odt").write_bytes(buf.getvalue())


if __name__ == "__main__":
    DOCS.mkdir(exist_ok=True)
    _pdf("ebike-range.pdf", "E-bike range 2025", "Range is measured in the middle assist level.", EBIKES)
    _pdf("garden-centre-prices.pdf", "Garden centre: spring prices", "Prices in EUR per plant.", PLANTS,
         borders_layout="NONE", first_row_as_headings=True, col_widths=(40, 20, 25, 25))
    _pdf("invoice-INV-4471.pdf", "Northwind Office Supplies: invoice INV-4471",
         "Delivered to the Harbour Road office. Payment within 30 days.", invoice_rows(), gap=70,
         repeat_headings=1, col_widths=(80, 20, 30, 30))
    training()
    trains()
    sales()
    vaccines()
    (DOCS / "library-loans.csv").write_text(LOANS, encoding="utf-8")
