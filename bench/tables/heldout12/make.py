"""A twelfth kept-back set for issue 36, written after the last change to table answers, committed
before it is run, run once, to measure the code as it stands. Ruled and borderless PDFs, a wine
invoice over two PDF pages, Word, HTML, Excel and CSV. Run: python bench/tables/heldout12/make.py"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

DOCS = Path(__file__).parent / "docs"

VACUUMS = [["Model", "Type", "Runtime", "Dust capacity", "Weight", "Price"],
           ["V10", "cordless", "60 min", "0.75 l", "2.6 kg", "399 EUR"], ["V8", "cordless", "40 min", "0.54 l", "2.5 kg", "279 EUR"],
           ["C3", "corded", "unlimited", "2.0 l", "5.8 kg", "189 EUR"], ["R7 Robot", "robot", "120 min", "0.4 l", "3.4 kg", "449 EUR"]]

GROOMING = [["Dog size", "Bath", "Full groom", "Nail trim"], ["Small", "25.00", "45.00", "8.00"],
            ["Medium", "30.00", "55.00", "8.00"], ["Large", "38.00", "70.00", "10.00"]]

WINES = [("Barolo 2017", 6, 42.00), ("Sancerre 2022", 12, 21.50), ("Rioja Crianza 2020", 12, 13.90),
         ("Rioja Reserva 2018", 6, 22.40), ("Rioja gift box", 2, 9.00), ("Chablis 2021", 6, 24.90),
         ("Prosecco DOC", 12, 11.50), ("Champagne Brut", 6, 38.00), ("Malbec 2021", 12, 14.20),
         ("Pinot Noir 2020", 6, 27.50), ("Gruner Veltliner 2022", 12, 12.80), ("Riesling Kabinett 2021", 12, 15.60),
         ("Port, Tawny 10 years", 3, 29.00), ("Sherry, Fino", 3, 16.50), ("Cava Brut", 12, 9.80),
         ("Merlot 2020", 12, 10.90), ("Shiraz 2019", 6, 18.70), ("Vermentino 2022", 6, 16.20),
         ("Albarino 2022", 6, 17.40), ("Primitivo 2020", 6, 15.30), ("Beaujolais Villages 2022", 12, 12.40),
         ("Chenin Blanc 2021", 6, 14.60), ("Zinfandel 2019", 6, 21.00), ("Tempranillo 2021", 12, 9.90),
         ("Soave Classico 2022", 6, 13.20), ("Rosé de Provence 2023", 12, 16.90), ("Moscato d'Asti", 6, 12.50),
         ("Sauternes 2016, half", 3, 32.00), ("Decanter", 1, 39.00), ("Wine glasses, 6", 2, 24.00),
         ("Corkscrew", 2, 12.00), ("Delivery", 1, 15.00)]

CONTACTS = [["Name", "Role", "Extension", "Office"], ["Maria Lopez", "Office manager", "201", "Room 1.02"],
            ["Kwame Asante", "Accountant", "214", "Room 2.14"], ["Hana Sato", "Payroll", "215", "Room 2.14"],
            ["Luis Fernandez", "IT support", "230", "Room 0.05"]]

TIDES = [["Date", "High tide", "Low tide"], ["14 June", "06:42", "12:55"], ["15 June", "07:31", "13:44"],
         ["16 June", "08:19", "14:30"]]

GOALS = [("Holiday", 2500, 1840, dt.date(2025, 7, 1)), ("New laptop", 1400, 620, dt.date(2025, 10, 1)),
         ("Emergency fund", 5000, 3900, dt.date(2025, 12, 31))]

STOCK = "item,count,expires\nIbuprofen 200 mg,24,2026-03\nPlasters,40,2028-01\nAntiseptic cream,1,2025-11\n"


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


def wine_rows() -> list[list[str]]:
    return [["Wine", "Bottles", "Price per bottle", "Total"]] + [
        [item.replace("é", "e"), str(n), f"{price:.2f}", f"{n * price:.2f}"] for item, n, price in WINES]


def contacts() -> None:
    import docx

    d = docx.Document()
    d.add_heading("Finance team: contacts", level=1)
    d.add_paragraph("Dial 9 for an outside line.")
    t = d.add_table(rows=len(CONTACTS), cols=4)
    for i, row in enumerate(CONTACTS):
        for j, c in enumerate(row):
            t.cell(i, j).text = c
    d.save(str(DOCS / "team-contacts.docx"))


def tides() -> None:
    head = "".join(f"<th>{c}</th>" for c in TIDES[0])
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in TIDES[1:])
    (DOCS / "tide-times.html").write_text(
        f"<html><body><h1>Tide times, Harbour Bay</h1>\n<p>Times are local (BST).</p>\n"
        f"<table><tr>{head}</tr>\n{body}\n</table></body></html>\n", encoding="utf-8")


def goals() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Goals"
    sheet.append(["Savings goals"])
    sheet.append(["Goal", "Target", "Saved", "Deadline"])
    for row in GOALS:
        sheet.append(list(row))
        for col in (2, 3):
            sheet.cell(sheet.max_row, col).number_format = "#,##0"
        sheet.cell(sheet.max_row, 4).number_format = "yyyy-mm-dd"
    book.save(str(DOCS / "savings-goals.xlsx"))


if __name__ == "__main__":
    DOCS.mkdir(exist_ok=True)
    _pdf("vacuum-cleaners.pdf", "Vacuum cleaners compared", "Runtime in the lowest power mode.", VACUUMS)
    _pdf("dog-grooming.pdf", "Dog grooming prices", "Prices in EUR. De-matting is charged extra.", GROOMING,
         borders_layout="NONE", first_row_as_headings=True, col_widths=(30, 25, 30, 25))
    _pdf("wine-invoice.pdf", "Vinothek Weiss: invoice W-1184", "Order for the summer party. Delivered 3 June.",
         wine_rows(), gap=70, repeat_headings=1, col_widths=(80, 20, 35, 30))
    contacts()
    tides()
    goals()
    (DOCS / "first-aid-stock.csv").write_text(STOCK, encoding="utf-8")
