"""Table documents used while building table answers (issue 36): the same kinds as the answer
set's tables (a ruled spec sheet PDF, a borderless price list PDF, a table over two PDF pages,
Word, HTML, Excel and an OpenDocument sheet) with other content and phrasings. Its questions
were run, and rules changed after seeing them: its figures are not held-out ones (``../heldout``
is). Run: python bench/tables/dev/make.py"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

DOCS = Path(__file__).parent / "docs"

LAPTOPS = [["Model", "Processor", "Memory", "Weight", "Battery", "Price"],
           ["Aero 13", "Ryzen 5 7640U", "16 GB", "1.2 kg", "14 h", "899 EUR"],
           ["Aero 15", "Ryzen 7 7840U", "32 GB", "1.6 kg", "12 h", "1,249 EUR"],
           ["Forge 16", "Core i7-13700H", "32 GB", "2.3 kg", "7 h", "1,599 EUR"],
           ["Slate 12", "Core i5-1334U", "8 GB", "0.9 kg", "10 h", "649 EUR"]]

PLANTS = [["Code", "Plant", "Pot size", "Price"],
          ["P-11", "Lavender Hidcote", "2 l", "6.50"],
          ["P-12", "Rosemary", "3 l", "8.90"],
          ["P-27", "Japanese maple", "10 l", "49.00"],
          ["P-31", "Boxwood ball", "5 l", "22.40"],
          ["P-40", "Climbing rose", "4 l", "17.80"]]

DELIVERY = [("Oak floor plank", 120, 120), ("Skirting board 2.4 m", 40, 38), ("Underlay roll", 10, 10),
            ("Door threshold", 6, 6), ("Floor adhesive 10 kg", 8, 5), ("Wood filler", 4, 4), ("Spacer wedges", 50, 50),
            ("Transition strip", 5, 5), ("Vapour barrier", 3, 3), ("Corner block", 24, 20), ("Sanding disc P80", 30, 30),
            ("Sanding disc P120", 30, 30), ("Oil finish 2.5 l", 6, 6), ("Trim nails", 500, 500), ("Tapping block", 2, 2),
            ("Pull bar", 2, 2), ("Knee pads", 1, 1), ("Dust mask pack", 3, 3), ("Floor cleaner", 4, 4),
            ("Felt pads", 40, 40), ("Stair nosing", 12, 12), ("Edge trim", 8, 8), ("Expansion foam", 2, 2),
            ("Masking tape", 6, 6), ("Moisture meter", 1, 1), ("Cork strip", 15, 15), ("Glue gun", 1, 1),
            ("Radiator pipe cover", 8, 6)]

COURSES = [["Course", "Teacher", "Room", "Day"],
           ["Pottery for beginners", "Hannah Cole", "Studio 2", "Monday"],
           ["Life drawing", "Felix Moreau", "Room 14", "Tuesday"],
           ["Watercolour", "Hannah Cole", "Room 9", "Wednesday"],
           ["Printmaking", "Oskar Lind", "Studio 1", "Thursday"]]

STAFF = [["Name", "Department", "Extension", "Office"],
         ["Ruth Adeyemi", "Finance", "2214", "B 3.12"], ["Daniel Kerr", "Legal", "2290", "B 4.01"],
         ["Mei Tanaka", "Research", "2305", "C 1.07"], ["Paolo Conti", "Facilities", "2101", "A 0.15"]]

EXPENSES = [("2025-05-06", "Ruth Adeyemi", "Travel", 214.6), ("2025-05-09", "Daniel Kerr", "Meals", 38.5),
            ("2025-05-14", "Mei Tanaka", "Books", 72.0), ("2025-05-20", "Paolo Conti", "Tools", 119.95)]

STOCK = [["Item", "Warehouse", "Quantity"], ["Pallet wrap", "Leeds", "340"], ["Tape gun", "Leeds", "25"],
         ["Box, large", "Derby", "1200"], ["Box, small", "Derby", "2600"]]


def _table(pdf, rows, **options):  # type: ignore[no-untyped-def]
    with pdf.table(**options) as t:
        for row in rows:
            r = t.row()
            for c in row:
                r.cell(c)


def laptops() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "Notebook range 2025", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 6, "Battery figures are for video playback at half brightness.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _table(pdf, LAPTOPS)
    pdf.output(str(DOCS / "notebooks.pdf"))


def plants() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "Greenleaf garden centre: spring plants", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 6, "Prices in euros per plant, while stocks last.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _table(pdf, PLANTS, borders_layout="NONE", first_row_as_headings=True, col_widths=(15, 55, 25, 20))
    pdf.output(str(DOCS / "spring-plants.pdf"))


def delivery() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "Delivery note DN-5521", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 6, "Flooring order for Linden Street 4. Items short will follow next week.",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(40)
    rows = [["Item", "Ordered", "Delivered"]] + [[n, str(o), str(d)] for n, o, d in DELIVERY]
    _table(pdf, rows, repeat_headings=1)
    pdf.output(str(DOCS / "delivery-note.pdf"))


def courses() -> None:
    import docx

    d = docx.Document()
    d.add_heading("Evening classes, autumn term", level=1)
    d.add_paragraph("Classes start at 18:30 and last two hours.")
    t = d.add_table(rows=len(COURSES), cols=4)
    for i, row in enumerate(COURSES):
        for j, c in enumerate(row):
            t.cell(i, j).text = c
    d.save(str(DOCS / "evening-classes.docx"))


def staff() -> None:
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in STAFF[1:])
    head = "".join(f"<th>{c}</th>" for c in STAFF[0])
    (DOCS / "staff-directory.html").write_text(
        f"<html><body><h1>Staff directory</h1><p>Dial 9 for an outside line.</p>\n<table>\n<tr>{head}</tr>\n{body}\n"
        "</table></body></html>\n", encoding="utf-8")


def expenses() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "May"
    sheet.append(["Date", "Employee", "Category", "Amount"])
    for day, who, cat, amount in EXPENSES:
        sheet.append([dt.datetime.fromisoformat(day), who, cat, amount])
        sheet.cell(sheet.max_row, 1).number_format = "yyyy-mm-dd"
        sheet.cell(sheet.max_row, 4).number_format = "0.00"
    book.save(str(DOCS / "expenses-may.xlsx"))


def stock() -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    t = Table(name="Stock")
    for row in STOCK:
        tr = TableRow()
        for c in row:
            cell = TableCell()
            cell.addElement(P(text=c))
            tr.addElement(cell)
        t.addElement(tr)
    doc.spreadsheet.addElement(t)
    buf = io.BytesIO()
    doc.write(buf)
    (DOCS / "packaging-stock.ods").write_bytes(buf.getvalue())


if __name__ == "__main__":
    DOCS.mkdir(exist_ok=True)
    for make in (laptops, plants, delivery, courses, staff, expenses, stock):
        make()
