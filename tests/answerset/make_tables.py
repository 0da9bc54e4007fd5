"""Regenerates the answer set's table documents, one of each kind people ask about: a spec sheet
PDF with ruled lines, a borderless price list PDF, an invoice PDF whose table runs over two pages
(header repeated), a Word rota, an HTML opening-hours page and an Excel ledger.
Run: python tests/answerset/make_tables.py (needs fpdf2, python-docx and openpyxl)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

DOCS = Path(__file__).parent / "docs"

HEATERS = [["Model", "Heater", "Tank", "Noise", "Price"],
           ["TF-20", "2 kW", "20 l", "38 dB", "349 EUR"],
           ["TF-30", "3 kW", "30 l", "40 dB", "429 EUR"],
           ["TF-50", "2 kW", "50 l", "41 dB", "519 EUR"],
           ["TF-80", "4.5 kW", "80 l", "44 dB", "689 EUR"]]

PRICES = [["Article", "Description", "Unit", "Price EUR"],
          ["A-100", "Espresso beans, 1 kg", "bag", "24.90"],
          ["A-110", "Decaf beans, 500 g", "bag", "13.50"],
          ["B-200", "Milk frother jug", "piece", "19.00"],
          ["C-300", "Descaler, 6 tablets", "box", "8.40"],
          ["C-310", "Cleaning brush set", "set", "6.95"]]

INVOICE_ITEMS = [("Mounting bracket", 40, "2.15"), ("Wall plug 8 mm", 200, "0.09"), ("Cable duct 2 m", 25, "4.60"),
                 ("Junction box", 30, "3.25"), ("Cable tie pack", 12, "1.90"), ("Terminal strip", 60, "0.85"),
                 ("Conduit elbow", 45, "1.10"), ("Earth clamp", 20, "2.40"), ("Switch plate", 35, "3.70"),
                 ("Socket insert", 50, "5.20"), ("Dimmer module", 8, "24.50"), ("Motion sensor", 6, "31.00"),
                 ("LED driver 20 W", 10, "14.90"), ("Fuse 16 A", 40, "1.35"), ("Cable gland M20", 70, "0.60"),
                 ("Insulating tape", 24, "0.95"), ("Crimp ferrule pack", 10, "3.80"), ("Distribution board", 2, "89.00"),
                 ("Surge protector", 4, "46.50"), ("Smoke detector", 12, "18.40"), ("Door chime", 3, "22.00"),
                 ("Outdoor socket", 6, "12.75"), ("Floodlight 30 W", 4, "27.90"), ("Stainless steel hinge", 16, "7.80"),
                 ("Cable reel 25 m", 2, "39.00"), ("Wire stripper", 3, "15.50"), ("Voltage tester", 2, "19.90"),
                 ("Spirit level", 1, "11.40")]

ROTA = [["Day", "Morning", "Evening"],
        ["Monday", "Lena Fischer", "Tom Becker"],
        ["Tuesday", "Amira Haddad", "Tom Becker"],
        ["Wednesday", "Lena Fischer", "Jonas Weber"],
        ["Thursday", "Amira Haddad", "Jonas Weber"],
        ["Friday", "Lena Fischer", "Marco Rossi"]]

HOURS = [["Day", "Opens", "Closes"],
         ["Monday", "09:00", "18:00"], ["Tuesday", "09:00", "18:00"], ["Wednesday", "09:00", "18:00"],
         ["Thursday", "09:00", "20:00"], ["Friday", "09:00", "17:00"], ["Saturday", "10:00", "14:00"]]

PAYMENTS = [("2025-03-04", "Acme Tools", "INV-2231", 1200.5), ("2025-03-11", "Globex", "INV-2236", 845.0),
            ("2025-03-18", "Initech", "INV-2240", 312.75), ("2025-04-02", "Acme Tools", "INV-2262", 990.0),
            ("2025-04-15", "Umbrella Supplies", "INV-2270", 128.4)]


def _pdf_table(pdf, rows: list[list[str]], **options) -> None:  # type: ignore[no-untyped-def]
    with pdf.table(**options) as t:
        for row in rows:
            r = t.row()
            for cell in row:
                r.cell(cell)


def heater_specs() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "ThermoFlow water heaters", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "All ThermoFlow heaters run on 230 V and come with a frost guard. The figures below are "
                   "measured at full load.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "Specifications", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    _pdf_table(pdf, HEATERS)
    pdf.ln(3)
    pdf.multi_cell(0, 6, "Installation must be carried out by a qualified electrician.", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(DOCS / "heater-specs.pdf"))


def price_list() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Cafe supplies price list 2025", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "All prices include VAT and are valid from 1 January 2025. Orders over 100 euros ship free "
                   "of charge.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _pdf_table(pdf, PRICES, borders_layout="NONE", first_row_as_headings=True, col_widths=(20, 60, 20, 20))
    pdf.ln(4)
    pdf.multi_cell(0, 6, "Delivery takes three to five working days.", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(DOCS / "price-list.pdf"))


def invoice() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Invoice 2025-031", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Brightwire Electrical GmbH, Hafenstrasse 12, Bremen. Invoice date: 14 March 2025. "
                   "Payment due within 30 days.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(30)
    rows = [["Item", "Quantity", "Unit price EUR"]] + [[n, str(q), p] for n, q, p in INVOICE_ITEMS]
    _pdf_table(pdf, rows, repeat_headings=1)  # the header row again at the top of page 2
    pdf.ln(3)
    pdf.multi_cell(0, 6, "Thank you for your order.", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(DOCS / "invoice-2025-031.pdf"))


def rota() -> None:
    import docx

    d = docx.Document()
    d.add_heading("Shop rota, March", level=1)
    d.add_paragraph("Swap a shift only with the shop manager's approval.")
    d.add_paragraph("Table 1: Shifts")
    t = d.add_table(rows=len(ROTA), cols=3)
    for i, row in enumerate(ROTA):
        for j, cell in enumerate(row):
            t.cell(i, j).text = cell
    d.add_paragraph("The shop is closed at weekends.")
    d.save(str(DOCS / "shop-rota.docx"))


def opening_hours() -> None:
    body = "\n".join(f"      <tr><td>{d}</td><td>{o}</td><td>{c}</td></tr>" for d, o, c in HOURS[1:])
    (DOCS / "library-hours.html").write_text(f"""<!doctype html>
<html>
  <head><title>Riverside Library</title></head>
  <body>
    <h1>Riverside Library</h1>
    <p>The reading room and the lending desk keep the same hours.</p>
    <table>
      <caption>Opening hours</caption>
      <thead><tr><th>Day</th><th>Opens</th><th>Closes</th></tr></thead>
      <tbody>
{body}
      </tbody>
    </table>
    <p>Books can be returned at the drop box at any time.</p>
  </body>
</html>
""", encoding="utf-8")


def ledger() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Payments 2025"
    sheet.append(["Supplier payments"])
    sheet.append([])
    sheet.append(["Date", "Supplier", "Invoice", "Amount EUR"])
    for day, supplier, number, amount in PAYMENTS:
        sheet.append([dt.datetime.fromisoformat(day), supplier, number, amount])
        sheet.cell(sheet.max_row, 1).number_format = "yyyy-mm-dd"
        sheet.cell(sheet.max_row, 4).number_format = "#,##0.00"
    book.save(str(DOCS / "supplier-payments.xlsx"))


def main() -> None:
    heater_specs()
    price_list()
    invoice()
    rota()
    opening_hours()
    ledger()


if __name__ == "__main__":
    main()
