"""A tenth kept-back set for issue 36, written after heldout9's clean first run (no change to
table answers since), committed before it is run, run once, to measure again. Ruled and
borderless PDFs, a statement over two PDF pages, Word, HTML, Excel and CSV.
Run: python bench/tables/heldout10/make.py"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

DOCS = Path(__file__).parent / "docs"

FRIDGES = [["Model", "Total volume", "Freezer", "Energy use", "Width", "Price"],
           ["CoolBox 250", "250 l", "60 l", "172 kWh/year", "55 cm", "499 EUR"],
           ["CoolBox 320", "320 l", "95 l", "199 kWh/year", "60 cm", "649 EUR"],
           ["FrostFree 400", "400 l", "120 l", "231 kWh/year", "70 cm", "899 EUR"],
           ["Mini 90", "90 l", "none", "98 kWh/year", "48 cm", "229 EUR"]]

HAIRCUTS = [["Service", "Stylist", "Junior stylist", "Time"], ["Cut and blow-dry", "48.00", "36.00", "45 min"],
            ["Men's cut", "28.00", "21.00", "30 min"], ["Children's cut", "18.00", "14.00", "20 min"],
            ["Full colour", "75.00", "60.00", "90 min"], ["Highlights", "95.00", "78.00", "120 min"]]

STATEMENT = [("2025-03-01", "Rent, Hafenstr. 9", -1150.00), ("2025-03-01", "Salary, Lumen GmbH", 3420.00),
             ("2025-03-02", "Supermarket Edeka", -64.30), ("2025-03-03", "Pharmacy", -12.95),
             ("2025-03-04", "Train ticket DB", -39.90), ("2025-03-05", "Electricity, Stadtwerke", -88.00),
             ("2025-03-06", "Supermarket Rewe", -51.20), ("2025-03-07", "Cinema", -24.00),
             ("2025-03-08", "Bakery", -8.40), ("2025-03-09", "Gym membership", -34.90),
             ("2025-03-10", "Mobile phone", -19.99), ("2025-03-11", "Supermarket Edeka", -72.15),
             ("2025-03-12", "Restaurant Lindenhof", -46.50), ("2025-03-13", "Bookshop", -22.00),
             ("2025-03-14", "Internet, Telekom", -39.95), ("2025-03-15", "Petrol", -61.20),
             ("2025-03-16", "Supermarket Rewe", -48.75), ("2025-03-17", "Hairdresser", -36.00),
             ("2025-03-18", "Refund, online shop", 29.99), ("2025-03-19", "Pharmacy", -7.50),
             ("2025-03-20", "Insurance, Allianz", -42.10), ("2025-03-21", "Supermarket Edeka", -58.60),
             ("2025-03-22", "Concert tickets", -78.00), ("2025-03-23", "Bakery", -6.90),
             ("2025-03-24", "Streaming", -13.99), ("2025-03-25", "Supermarket Rewe", -44.30),
             ("2025-03-26", "Dentist", -60.00), ("2025-03-27", "Petrol", -58.40),
             ("2025-03-28", "Gift shop", -31.50), ("2025-03-29", "Supermarket Edeka", -69.25),
             ("2025-03-30", "Charity donation", -25.00), ("2025-03-31", "Interest", 1.12)]

PLAYERS = [["Player", "Position", "Goals", "Assists", "Minutes"], ["Lena Hoff", "Forward", "14", "6", "1,890"],
           ["Mia Brandt", "Midfield", "5", "11", "2,010"], ["Sofie Krug", "Defence", "1", "2", "2,160"],
           ["Jana Ulrich", "Forward", "9", "4", "1,420"], ["Paula Stein", "Goalkeeper", "0", "0", "2,160"]]

RECIPES = [["Recipe", "Serves", "Prep time", "Cook time", "Oven"], ["Lasagne", "6", "30 min", "45 min", "180 C"],
           ["Roast chicken", "4", "15 min", "80 min", "200 C"], ["Banana bread", "8", "15 min", "60 min", "175 C"],
           ["Shepherd's pie", "6", "25 min", "35 min", "190 C"]]

LOANS = [("Car loan", "Volksbank", 14500, 0.049, dt.date(2028, 6, 30)), ("Mortgage", "Sparkasse", 212000, 0.032,
          dt.date(2041, 12, 31)), ("Student loan", "KfW", 6800, 0.0, dt.date(2027, 3, 31))]

TRAILS = ("trail,distance,climb,difficulty\nLakeside loop,8.5 km,120 m,easy\nRidge walk,14 km,680 m,hard\n"
          "Forest circuit,11 km,310 m,moderate\nWaterfall path,6 km,240 m,moderate\n")


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


def statement_rows() -> list[list[str]]:
    return [["Date", "Description", "Amount EUR"]] + [[d, text, f"{amount:,.2f}"] for d, text, amount in STATEMENT]


def players() -> None:
    import docx

    d = docx.Document()
    d.add_heading("Women's first team: season statistics", level=1)
    d.add_paragraph("League games only.")
    t = d.add_table(rows=len(PLAYERS), cols=5)
    for i, row in enumerate(PLAYERS):
        for j, c in enumerate(row):
            t.cell(i, j).text = c
    d.save(str(DOCS / "season-stats.docx"))


def recipes() -> None:
    head = "".join(f"<th>{c}</th>" for c in RECIPES[0])
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in RECIPES[1:])
    (DOCS / "family-recipes.html").write_text(
        f"<html><body><h1>Family recipes</h1>\n<p>Oven temperatures are for a fan oven.</p>\n"
        f"<table><tr>{head}</tr>\n{body}\n</table></body></html>\n", encoding="utf-8")


def loans() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Loans"
    sheet.append(["Loan", "Lender", "Balance", "Rate", "Ends"])
    for row in LOANS:
        sheet.append(list(row))
        r = sheet.max_row
        sheet.cell(r, 3).number_format = "#,##0"
        sheet.cell(r, 4).number_format = "0.0%"
        sheet.cell(r, 5).number_format = "yyyy-mm-dd"
    book.save(str(DOCS / "loans.xlsx"))


if __name__ == "__main__":
    DOCS.mkdir(exist_ok=True)
    _pdf("fridges.pdf", "Fridge-freezers compared", "Energy use as on the EU label.", FRIDGES)
    _pdf("salon-prices.pdf", "Salon price list", "Prices in EUR. Wash included.", HAIRCUTS,
         borders_layout="NONE", first_row_as_headings=True, col_widths=(45, 25, 30, 20))
    _pdf("bank-statement-march.pdf", "Current account statement, March 2025", "Account DE12 5001 0517 0648 4898 90.",
         statement_rows(), gap=70, repeat_headings=1, col_widths=(30, 90, 35))
    players()
    recipes()
    loans()
    (DOCS / "hiking-trails.csv").write_text(TRAILS, encoding="utf-8")
