"""A third kept-back set for issue 36 (../heldout and ../heldout2 were each seen once, and fixes
followed): written after the last change to table answers, run once, to measure. Ruled and
borderless PDFs, a table over two PDF pages, Word, HTML, Excel, OpenDocument and CSV.
Run: python bench/tables/heldout3/make.py"""

from __future__ import annotations

import io
from pathlib import Path

DOCS = Path(__file__).parent / "docs"

CAMERAS = [["Camera", "Sensor", "Resolution", "Weight", "Price"],
           ["Vista S1", "full frame", "24 MP", "650 g", "1,799 EUR"],
           ["Vista S2", "full frame", "45 MP", "720 g", "2,899 EUR"],
           ["Nomad A6", "APS-C", "26 MP", "480 g", "1,099 EUR"],
           ["Pocket Z", "1 inch", "20 MP", "300 g", "749 EUR"]]

CHEESES = [["Cheese", "Milk", "Age", "Price per kg"],
           ["Comte", "cow", "18 months", "32.00"],
           ["Manchego", "sheep", "12 months", "27.50"],
           ["Pecorino", "sheep", "8 months", "24.90"],
           ["Gouda", "cow", "24 months", "29.80"],
           ["Chevre", "goat", "3 weeks", "21.40"]]

RESULTS = [(f"Runner {i:02d}", name, t) for i, (name, t) in enumerate([
    ("Abebe Kiptoo", "2:11:05"), ("Joao Silva", "2:12:40"), ("Mark Evans", "2:14:02"), ("Yuki Ono", "2:15:33"),
    ("Pavel Novak", "2:16:10"), ("Samir Haddad", "2:17:45"), ("Liam Byrne", "2:18:20"), ("Erik Dahl", "2:19:05"),
    ("Carlos Ruiz", "2:20:30"), ("Tom Weller", "2:21:12"), ("Nils Berg", "2:22:48"), ("Omar Farah", "2:23:15"),
    ("Ken Ito", "2:24:02"), ("Luca Bianchi", "2:25:40"), ("Ivan Petrov", "2:26:33"), ("Ali Demir", "2:27:10"),
    ("Jan Kowal", "2:28:05"), ("Rui Costa", "2:29:44"), ("Hugo Martin", "2:30:18"), ("Piet de Vries", "2:31:02"),
    ("Kofi Mensah", "2:32:27"), ("Dan Ward", "2:33:50"), ("Sven Olsen", "2:34:12"), ("Max Bauer", "2:35:36"),
    ("Leo Moreau", "2:36:08"), ("Raj Patel", "2:37:29"), ("Ben Carter", "2:38:45"), ("Eli Stone", "2:39:10")], start=1)]

LESSONS = [["Instrument", "Teacher", "Day", "Fee"], ["Piano", "Clara Weiss", "Monday", "40 EUR"],
           ["Violin", "Marek Zielinski", "Wednesday", "45 EUR"], ["Guitar", "Sofia Lund", "Thursday", "35 EUR"],
           ["Cello", "Marek Zielinski", "Friday", "45 EUR"]]

PARKING = [["Car park", "Spaces", "Open", "Per hour"], ["Station", "420", "24 h", "£2.10"],
           ["Market Street", "150", "07:00-22:00", "£1.80"], ["Riverside", "90", "08:00-20:00", "£1.20"]]

BUDGET = [("Rent", "Fixed", 1200.0), ("Electricity", "Utilities", 95.5), ("Water", "Utilities", 32.0),
          ("Internet", "Utilities", 40.0), ("Insurance", "Fixed", 68.25)]

STAFF = [["Name", "Role", "Start"], ["Greta Holm", "Head chef", "2019"], ["Paul Roux", "Sous chef", "2021"],
         ["Mina Park", "Pastry chef", "2022"]]

PLANTS = "plant,light,water\nMonstera,bright indirect,weekly\nSnake plant,low,monthly\nFern,shade,twice a week\n"


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


def lessons() -> None:
    import docx

    d = docx.Document()
    d.add_heading("Music school timetable", level=1)
    d.add_paragraph("Lessons last forty-five minutes.")
    t = d.add_table(rows=len(LESSONS), cols=4)
    for i, row in enumerate(LESSONS):
        for j, c in enumerate(row):
            t.cell(i, j).text = c
    d.save(str(DOCS / "music-lessons.docx"))


def parking() -> None:
    head = "".join(f"<th>{c}</th>" for c in PARKING[0])
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in PARKING[1:])
    (DOCS / "parking.html").write_text(f"<html><body><h1>Town centre parking</h1>\n<table><tr>{head}</tr>\n{body}\n"
                                       "</table><p>Blue badge holders park free.</p></body></html>\n", encoding="utf-8")


def budget() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Household"
    sheet.append(["Monthly budget"])
    sheet.append(["Item", "Group", "Amount EUR"])
    for item, group, amount in BUDGET:
        sheet.append([item, group, amount])
        sheet.cell(sheet.max_row, 3).number_format = "#,##0.00"
    book.save(str(DOCS / "household-budget.xlsx"))


def staff() -> None:
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableRow
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Kitchen team"))
    t = Table(name="Team")
    for row in STAFF:
        tr = TableRow()
        for c in row:
            cell = TableCell()
            cell.addElement(P(text=c))
            tr.addElement(cell)
        t.addElement(tr)
    doc.text.addElement(t)
    buf = io.BytesIO()
    doc.write(buf)
    (DOCS / "kitchen-team.odt").write_bytes(buf.getvalue())


if __name__ == "__main__":
    DOCS.mkdir(exist_ok=True)
    _pdf("cameras.pdf", "Camera range", "Weights are for the body with battery.", CAMERAS)
    _pdf("cheese-counter.pdf", "Cheese counter", "Cut to order.", CHEESES, borders_layout="NONE",
         first_row_as_headings=True, col_widths=(35, 25, 30, 30))
    _pdf("marathon-results.pdf", "City marathon results", "Official chip times.",
         [["Bib", "Runner", "Time"]] + [list(r) for r in RESULTS], gap=60, repeat_headings=1)
    lessons()
    parking()
    budget()
    staff()
    (DOCS / "houseplants.csv").write_text(PLANTS, encoding="utf-8")
