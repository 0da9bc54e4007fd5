"""A second kept-back set for issue 36 (the first, ../heldout, was seen while fixing what it
showed): written after the last change to table answers and run once, to measure. Ruled and
borderless PDFs, a table over two PDF pages, Word, HTML, Excel and CSV.
Run: python bench/tables/heldout2/make.py"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

DOCS = Path(__file__).parent / "docs"

PRINTERS = [["Printer", "Type", "Speed", "Duplex", "Price"],
            ["Jetline 200", "inkjet", "12 ppm", "no", "129 EUR"],
            ["Jetline 400", "inkjet", "18 ppm", "yes", "199 EUR"],
            ["Laserpro M5", "laser", "30 ppm", "yes", "349 EUR"],
            ["Laserpro C9", "colour laser", "25 ppm", "yes", "529 EUR"]]

BREAD = [["Item", "Flour", "Weight", "Price"],
         ["Country loaf", "wheat and rye", "800 g", "4.20"],
         ["Spelt bread", "spelt", "600 g", "4.80"],
         ["Baguette", "wheat", "250 g", "1.60"],
         ["Pumpernickel", "rye", "500 g", "3.90"],
         ["Brioche", "wheat", "400 g", "5.10"]]

TRIPS = [(f"Day {d}", place, km) for d, place, km in [
    (1, "Lyon", 0), (2, "Annecy", 140), (3, "Chamonix", 95), (4, "Martigny", 40), (5, "Sion", 30),
    (6, "Brig", 55), (7, "Andermatt", 85), (8, "Chur", 95), (9, "Davos", 60), (10, "St. Moritz", 70),
    (11, "Tirano", 60), (12, "Sondrio", 26), (13, "Lecco", 85), (14, "Como", 30), (15, "Lugano", 30),
    (16, "Bellinzona", 28), (17, "Locarno", 22), (18, "Domodossola", 70), (19, "Stresa", 40),
    (20, "Orta", 30), (21, "Novara", 55), (22, "Vercelli", 25), (23, "Turin", 80), (24, "Susa", 55),
    (25, "Briancon", 55), (26, "Gap", 90), (27, "Sisteron", 50), (28, "Digne", 40), (29, "Nice", 150),
    (30, "Monaco", 20)]]

VOLUNTEERS = [["Volunteer", "Task", "Shift"], ["Ines Garcia", "Registration", "08:00"],
              ["Tomasz Nowak", "Catering", "10:00"], ["Aiko Sato", "First aid", "08:00"], ["Lars Berg", "Parking", "07:30"]]

PLANETS = [["Planet", "Moons", "Day length"], ["Mercury", "0", "59 Earth days"], ["Venus", "0", "243 Earth days"],
           ["Earth", "1", "24 hours"], ["Mars", "2", "24.6 hours"]]

SALES = [("2025-01-31", "North", 18250.0), ("2025-01-31", "South", 12900.0), ("2025-02-28", "North", 20100.0),
         ("2025-02-28", "South", 11800.0)]

BOOKS = "isbn,title,author,year\n978-0-00-000001-1,The Salt Road,Mara Quinn,2019\n" \
        "978-0-00-000002-8,Glass Harbour,Owen Achebe,2021\n978-0-00-000003-5,Winter Orchard,Mara Quinn,2023\n"


def _table(pdf, rows, **options):  # type: ignore[no-untyped-def]
    with pdf.table(**options) as t:
        for row in rows:
            r = t.row()
            for c in row:
                r.cell(c)


def printers() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "Office printers", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 6, "Speeds are black-and-white pages per minute.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _table(pdf, PRINTERS)
    pdf.output(str(DOCS / "printers.pdf"))


def bread() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "Bakery price list", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 6, "Baked fresh every morning.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _table(pdf, BREAD, borders_layout="NONE", first_row_as_headings=True, col_widths=(40, 40, 20, 20))
    pdf.output(str(DOCS / "bakery.pdf"))


def trip() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "Alpine cycling tour", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 6, "Stages and the distance ridden to each overnight stop.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(70)
    rows = [["Stage", "Overnight stop", "Distance km"]] + [[d, p, str(k)] for d, p, k in TRIPS]
    _table(pdf, rows, repeat_headings=1)
    pdf.output(str(DOCS / "cycling-tour.pdf"))


def volunteers() -> None:
    import docx

    d = docx.Document()
    d.add_heading("Marathon volunteers", level=1)
    d.add_paragraph("Meet at the north gate ten minutes before your shift.")
    t = d.add_table(rows=len(VOLUNTEERS), cols=3)
    for i, row in enumerate(VOLUNTEERS):
        for j, c in enumerate(row):
            t.cell(i, j).text = c
    d.save(str(DOCS / "volunteers.docx"))


def planets() -> None:
    head = "".join(f"<th>{c}</th>" for c in PLANETS[0])
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in PLANETS[1:])
    (DOCS / "inner-planets.html").write_text(
        f"<html><body><h1>The inner planets</h1>\n<table><caption>Moons and days</caption><tr>{head}</tr>\n{body}\n"
        "</table></body></html>\n", encoding="utf-8")


def sales() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sales"
    sheet.append(["Month end", "Region", "Revenue EUR"])
    for day, region, amount in SALES:
        sheet.append([dt.datetime.fromisoformat(day), region, amount])
        sheet.cell(sheet.max_row, 1).number_format = "yyyy-mm-dd"
        sheet.cell(sheet.max_row, 3).number_format = "#,##0.00"
    book.save(str(DOCS / "regional-sales.xlsx"))


def books() -> None:
    (DOCS / "reading-list.csv").write_text(BOOKS, encoding="utf-8")


if __name__ == "__main__":
    DOCS.mkdir(exist_ok=True)
    for make in (printers, bread, trip, volunteers, planets, sales, books):
        make()
