"""Kept-back table documents for issue 36's targets, written after table answers were built
and measured only: a ruled PDF, a borderless PDF, a table over two PDF pages whose header is
not repeated, Word, HTML, Excel, CSV and OpenDocument text. Nothing is tuned on them.
Run: python bench/tables/heldout/make.py"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

DOCS = Path(__file__).parent / "docs"

BIKES = [["Bike", "Frame", "Gears", "Weight", "Range", "Price"],
         ["Cityline 3", "aluminium", "3", "21 kg", "60 km", "1,890 EUR"],
         ["Cityline 8", "aluminium", "8", "23 kg", "75 km", "2,290 EUR"],
         ["Trekker X", "steel", "11", "25 kg", "110 km", "2,990 EUR"],
         ["Fold 20", "aluminium", "7", "19 kg", "45 km", "1,650 EUR"]]

TEAS = [["No.", "Tea", "Origin", "Steep", "Price per 100 g"],
        ["T-01", "Darjeeling first flush", "India", "3 min", "12.80"],
        ["T-04", "Sencha", "Japan", "2 min", "9.40"],
        ["T-09", "Rooibos vanilla", "South Africa", "6 min", "5.90"],
        ["T-12", "Earl Grey", "Sri Lanka", "4 min", "6.70"],
        ["T-15", "Oolong", "Taiwan", "5 min", "14.20"]]

PARTS = [(f"Bolt M{n}x{length}", q, b) for n, length, q, b in [
    (6, 20, 500, "A1"), (6, 30, 400, "A1"), (8, 20, 350, "A2"), (8, 40, 300, "A2"), (10, 30, 250, "A3"),
    (10, 50, 200, "A3"), (12, 40, 150, "A4"), (12, 60, 120, "A4"), (16, 50, 80, "A5"), (16, 80, 60, "A5")]] + [
    (f"Washer {n} mm", q, b) for n, q, b in [(6, 900, "B1"), (8, 800, "B1"), (10, 700, "B2"), (12, 600, "B2"),
                                             (16, 400, "B3")]] + [
    (f"Hex nut M{n}", q, b) for n, q, b in [(6, 1000, "C1"), (8, 900, "C1"), (10, 750, "C2"), (12, 640, "C2"),
                                           (16, 310, "C3")]] + [
    ("Threaded rod M8 1 m", 40, "D1"), ("Threaded rod M10 1 m", 35, "D1"), ("Anchor bolt M12", 90, "D2"),
    ("Spring washer M10", 520, "B4"), ("Wing nut M6", 210, "C4"), ("Eye bolt M8", 75, "D3"),
    ("Cap nut M10", 180, "C5"), ("Flange nut M12", 260, "C5"), ("Carriage bolt M8x60", 140, "A6"),
    ("Lock nut M16", 95, "C6")]

CLINIC = [["Doctor", "Speciality", "Days", "Room"],
          ["Dr Sara Lindqvist", "Dermatology", "Mon, Wed", "12"],
          ["Dr Omar Haddou", "Cardiology", "Tue, Thu", "7"],
          ["Dr Julia Brandt", "Paediatrics", "Mon to Fri", "3"],
          ["Dr Kenji Mori", "Orthopaedics", "Fri", "9"]]

FERRIES = [["Route", "Departs", "Crossing", "Adult fare"],
           ["Harbourtown to Eastisle", "07:15", "45 min", "£6.40"],
           ["Eastisle to Harbourtown", "08:30", "45 min", "£6.40"],
           ["Harbourtown to Northrock", "09:00", "1 h 20 min", "£11.20"],
           ["Northrock to Harbourtown", "16:45", "1 h 20 min", "£11.20"]]

INVOICES = [("2025-06-02", "Brightline Print", "Flyers", 460.0), ("2025-06-09", "Kestrel Media", "Web ads", 1250.0),
            ("2025-06-16", "Brightline Print", "Posters", 315.5), ("2025-06-27", "Nordic Events", "Stand hire", 2100.0)]

MEMBERS = "member_id,name,plan,joined\nM-1001,Alice Novak,Gold,2023-04-11\nM-1002,Ben Okafor,Silver,2024-01-20\n" \
          "M-1003,Chiara Ricci,Gold,2022-09-05\nM-1004,Dmitri Volkov,Bronze,2025-02-14\n"

ROOMS = [["Room", "Seats", "Projector"], ["Aalto", "12", "yes"], ["Bauhaus", "30", "yes"], ["Cobalt", "6", "no"]]


def _table(pdf, rows, **options):  # type: ignore[no-untyped-def]
    with pdf.table(**options) as t:
        for row in rows:
            r = t.row()
            for c in row:
                r.cell(c)


def bikes() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "E-bike line-up", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 6, "Range is measured in eco mode with a 75 kg rider.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _table(pdf, BIKES)
    pdf.output(str(DOCS / "ebikes.pdf"))


def teas() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "Tea house menu", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 6, "Loose leaf teas, sold by weight.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _table(pdf, TEAS, borders_layout="NONE", first_row_as_headings=True, col_widths=(12, 50, 30, 18, 30))
    pdf.output(str(DOCS / "tea-menu.pdf"))


def parts() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "Fastener inventory, hall 2", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 6, "Counted on 30 June 2025.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(50)
    rows = [["Part", "Count", "Bin"]] + [[n, str(q), b] for n, q, b in PARTS]
    _table(pdf, rows, repeat_headings=0)  # page 2 goes on without the header
    pdf.output(str(DOCS / "fastener-inventory.pdf"))


def clinic() -> None:
    import docx

    d = docx.Document()
    d.add_heading("Outpatient clinic", level=1)
    d.add_paragraph("Appointments by phone on weekdays.")
    t = d.add_table(rows=len(CLINIC), cols=4)
    for i, row in enumerate(CLINIC):
        for j, c in enumerate(row):
            t.cell(i, j).text = c
    d.save(str(DOCS / "clinic-doctors.docx"))


def ferries() -> None:
    head = "".join(f"<th>{c}</th>" for c in FERRIES[0])
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in FERRIES[1:])
    (DOCS / "ferry-timetable.html").write_text(
        "<html><body><h1>Island ferries</h1><h2>Summer timetable</h2>\n<table><thead><tr>" + head
        + "</tr></thead><tbody>\n" + body + "\n</tbody></table><p>Bicycles travel free.</p></body></html>\n",
        encoding="utf-8")


def invoices() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "June"
    sheet.append(["Marketing invoices"])
    sheet.append(["Date", "Vendor", "Item", "Net EUR"])
    for day, vendor, item, amount in INVOICES:
        sheet.append([dt.datetime.fromisoformat(day), vendor, item, amount])
        sheet.cell(sheet.max_row, 1).number_format = "yyyy-mm-dd"
        sheet.cell(sheet.max_row, 4).number_format = "#,##0.00"
    book.save(str(DOCS / "marketing-invoices.xlsx"))


def members() -> None:
    (DOCS / "members.csv").write_text(MEMBERS, encoding="utf-8")


def rooms() -> None:
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableRow
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Meeting rooms"))
    doc.text.addElement(P(text="Book rooms in the shared calendar."))
    t = Table(name="Rooms")
    for row in ROOMS:
        tr = TableRow()
        for c in row:
            cell = TableCell()
            cell.addElement(P(text=c))
            tr.addElement(cell)
        t.addElement(tr)
    doc.text.addElement(t)
    buf = io.BytesIO()
    doc.write(buf)
    (DOCS / "meeting-rooms.odt").write_bytes(buf.getvalue())


if __name__ == "__main__":
    DOCS.mkdir(exist_ok=True)
    for make in (bikes, teas, parts, clinic, ferries, invoices, members, rooms):
        make()
