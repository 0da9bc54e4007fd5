"""An eleventh kept-back set for issue 36, written after the last change to table answers ('how
long' asks for a duration), committed before it is run, run once, to measure. Ruled and
borderless PDFs, a rental invoice over two PDF pages, Word, HTML, Excel and CSV.
Run: python bench/tables/heldout11/make.py"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

DOCS = Path(__file__).parent / "docs"

BREAD = [["Program", "Crust", "Time", "Max loaf"], ["Basic", "light, medium, dark", "3 h 10 min", "1 kg"],
         ["Wholewheat", "medium", "3 h 40 min", "1 kg"], ["Quick", "medium", "1 h 58 min", "750 g"],
         ["Dough", "none", "1 h 30 min", "1 kg"], ["Jam", "none", "1 h 20 min", "none"]]

PARCELS = [["Service", "Max weight", "Delivery", "Price"], ["Standard", "2 kg", "3-5 days", "4.50"],
           ["Express", "2 kg", "next day", "9.90"], ["Large", "20 kg", "3-5 days", "12.40"],
           ["International", "10 kg", "7-10 days", "24.00"]]

RENTAL = [("Tent, 4-person", 5, 18.00), ("Tent, 2-person", 5, 12.00), ("Sleeping bag, summer", 5, 6.00),
          ("Sleeping bag, winter", 5, 9.00), ("Sleeping bag liner", 5, 2.00), ("Sleeping mat", 10, 3.00),
          ("Camping stove", 5, 5.00), ("Gas canister", 3, 4.50), ("Cool box", 5, 4.00), ("Folding chair", 20, 1.50),
          ("Folding table", 5, 4.00), ("Lantern", 10, 2.50), ("Head torch", 10, 1.80), ("Kayak, single", 2, 35.00),
          ("Kayak, double", 2, 48.00), ("Paddle", 6, 3.00), ("Life jacket", 6, 4.00), ("Dry bag", 6, 2.00),
          ("Water carrier, 20 l", 5, 1.50), ("Cooking set", 5, 3.50), ("Tarp", 5, 3.00), ("Mallet", 5, 0.50),
          ("First aid kit", 5, 2.00), ("Hammock", 5, 4.50), ("Camp bed", 10, 5.00), ("Windbreak", 5, 3.50),
          ("Portable toilet", 5, 8.00), ("Solar charger", 5, 4.00), ("Cleaning fee", 1, 25.00),
          ("Damage waiver", 1, 30.00), ("Delivery to site", 1, 40.00), ("Collection from site", 1, 40.00)]

READINGS = [["Week", "Topic", "Reading", "Pages"], ["Week 1", "Introduction", "Chapter 1", "24"],
            ["Week 2", "Research design", "Chapter 3", "31"], ["Week 3", "Statistics I", "Chapter 5", "42"],
            ["Week 4", "Statistics II", "Chapter 6", "38"], ["Week 5", "Interviews", "Chapter 8", "27"]]

VET = [["Treatment", "Cat", "Dog"], ["Vaccination", "45", "55"], ["Check-up", "35", "40"], ["Microchip", "25", "25"],
       ["Dental clean", "180", "240"]]

RUNS = [(dt.date(2025, 4, 6), 8.2, "0:45:10"), (dt.date(2025, 4, 13), 10.5, "0:58:40"),
        (dt.date(2025, 4, 20), 6.0, "0:31:55"), (dt.date(2025, 4, 27), 12.1, "1:09:30"),
        (dt.date(2025, 5, 4), 9.4, "0:51:20")]

PLANS = ("plan,data,minutes,price per month\nBasic,5 GB,300,9.99\nPlus,20 GB,unlimited,14.99\n"
         "Max,unlimited,unlimited,24.99\nYouth,15 GB,500,7.99\n")


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


def rental_rows() -> list[list[str]]:
    return [["Item", "Days", "Rate per day", "Amount"]] + [
        [item, str(days), f"{rate:.2f}", f"{days * rate:.2f}"] for item, days, rate in RENTAL]


def readings() -> None:
    import docx

    d = docx.Document()
    d.add_heading("Research methods: reading list", level=1)
    d.add_paragraph("All chapters are from the course textbook.")
    t = d.add_table(rows=len(READINGS), cols=4)
    for i, row in enumerate(READINGS):
        for j, c in enumerate(row):
            t.cell(i, j).text = c
    d.save(str(DOCS / "reading-list.docx"))


def vet() -> None:
    head = "".join(f"<th>{c}</th>" for c in VET[0])
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in VET[1:])
    (DOCS / "vet-prices.html").write_text(
        f"<html><body><h1>Riverside vets: prices</h1>\n<p>Prices in EUR, including VAT.</p>\n"
        f"<table><tr>{head}</tr>\n{body}\n</table></body></html>\n", encoding="utf-8")


def runs() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Runs"
    sheet.append(["Date", "Distance km", "Time"])
    for day, km, time in RUNS:
        sheet.append([day, km, time])
        sheet.cell(sheet.max_row, 1).number_format = "yyyy-mm-dd"
    book.save(str(DOCS / "running-log.xlsx"))


if __name__ == "__main__":
    DOCS.mkdir(exist_ok=True)
    _pdf("bread-machine.pdf", "Bread machine BM-200: programs", "Times include rising and baking.", BREAD)
    _pdf("parcel-rates.pdf", "Parcel rates", "Prices in EUR per parcel, within the country unless stated.", PARCELS,
         borders_layout="NONE", first_row_as_headings=True, col_widths=(35, 25, 25, 20))
    _pdf("camping-rental.pdf", "Outdoor Hire Co.: rental invoice R-2207", "Lakeside camp, 12-17 August.",
         rental_rows(), gap=70, repeat_headings=1, col_widths=(80, 20, 30, 30))
    readings()
    vet()
    runs()
    (DOCS / "phone-plans.csv").write_text(PLANS, encoding="utf-8")
