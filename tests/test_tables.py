"""Tables (issue 36): every format's tables become one block per row, written with its header and
caption, at the row's own lines; a broken-looking grid stays text; a row is one quote; and a
question about a row is answered by code with the cell under the column it asks for."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from localrag.answering.tables import cells
from localrag.indexing.chunking import chunk_blocks
from localrag.indexing.parse.base import Block
from localrag.indexing.parse.pdf import read_pdf
from localrag.indexing.parse.registry import file_kind, parse
from localrag.indexing.parse.tables import looks_like_table, row_text
from localrag.indexing.parse.text import parse_html

from .conftest import cli_json, run_cli

DOCS = Path(__file__).parent / "answerset" / "docs"


def rows_of(blocks: list[Block]) -> list[tuple[str, int | None, str | None]]:
    return [(b.text, b.start_line, b.table) for b in blocks if b.table is not None]


def test_the_gate_keeps_tables_and_sends_layout_back_to_text() -> None:
    assert looks_like_table([["Model", "Price"], ["TF-20", "349 EUR"], ["TF-30", "429 EUR"]])
    assert not looks_like_table([["one column"], ["only"], ["here"]])
    assert not looks_like_table([["Model", "Price"]])  # a header alone is no table
    paragraph = "This cell holds a whole paragraph of running text, as page layout does, " * 4  # 52 words
    assert not looks_like_table([[paragraph, "nav"], ["footer", "links"]])
    assert not looks_like_table([["a", "", "", ""], ["", "", "b", ""], ["", "c", "", ""]])  # mostly empty
    assert row_text(["Program", "Temperature"], ["Eco", "50 C"]) == "Program: Eco · Temperature: 50 C"
    assert row_text(["Item", "Ordered", "Delivered"], ["Plank", "120", "120"]) == "Item: Plank · Ordered: 120 · Delivered: 120"
    assert row_text(["Name", "Note"], ["Ann", ""]) == "Name: Ann"


def test_html_tables_header_caption_spans_nesting_and_layout() -> None:
    html = """<h2>Programs</h2>
<table><caption>Program times</caption>
<thead><tr><th>Program</th><th>Temperature</th><th>Duration</th></tr></thead>
<tr><td>Eco</td><td>50 °C</td><td>220 min</td></tr>
<tr><td colspan="2">Glass, both settings</td><td>95 min</td></tr>
<tr><td rowspan="2">Quick</td><td>40 °C</td><td>30 min</td></tr>
<tr><td>45 °C</td><td>25 min</td></tr>
<tr><td colspan="999999999">Hostile span</td><td>1</td><td>2</td></tr>
</table>
<p>After. Dr. Smith said so.</p>
<table><tr><td><p>""" + "A long layout cell of running text that goes on and on. " * 8 + """</p></td><td>nav</td></tr></table>
<table><tr><td>outer</td><td><table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr>
<tr><td>b</td><td>2</td></tr></table></td></tr><tr><td>x</td><td>y</td></tr>
"""  # the last table is never closed
    blocks = parse_html(html)
    rows = rows_of(blocks)
    assert rows[:4] == [("Program: Eco · Temperature: 50 °C · Duration: 220 min", 4, "Program times"),
                        ("Program: Glass, both settings · Duration: 95 min", 5, "Program times"),
                        ("Program: Quick · Temperature: 40 °C · Duration: 30 min", 6, "Program times"),
                        ("Program: Quick · Temperature: 45 °C · Duration: 25 min", 7, "Program times")]
    assert rows[4][0] == "Program: Hostile span · Temperature: 1 · Duration: 2"  # an absurd span counts as one
    texts = [b.text for b in blocks if b.table is None]
    assert "After. Dr. Smith said so." in texts and any(t.startswith("A long layout cell") for t in texts)
    assert any("k: a · v: 1" in t for t in texts + [r[0] for r in rows])  # the inner table's rows, in its cell
    nested = parse_html("<table><tr><td>x " * 50 + "</td></tr></table>" * 50)  # deeper than tables are read
    assert [b.text.split().count("x") for b in nested] == [50]  # every cell's text kept, once


def test_docx_odt_ods_xlsx_tables(tmp_path: Path) -> None:
    import docx
    import openpyxl
    from odf.opendocument import OpenDocumentSpreadsheet, OpenDocumentText
    from odf.table import Table, TableCell, TableRow
    from odf.text import H, P

    b = parse(DOCS / "shop-rota.docx", "docx", (DOCS / "shop-rota.docx").read_bytes())
    assert [x.text for x in b[:3]] == ["Shop rota, March", "Swap a shift only with the shop manager's approval.",
                                       "Table 1: Shifts"]
    assert rows_of(b)[0] == ("Day: Monday · Morning: Lena Fischer · Evening: Tom Becker", 5, "Table 1: Shifts")
    assert b[-1].text == "The shop is closed at weekends."  # the table in reading order, not at the end

    d = docx.Document()
    t = d.add_table(rows=3, cols=3)
    for i, r in enumerate([["Part", "Price", "Stock"], ["Seal", "18.50", "32"], ["Pump", "41.75", "14"]]):
        for j, c in enumerate(r):
            t.cell(i, j).text = c
    t.cell(2, 1).merge(t.cell(2, 2))
    buf = io.BytesIO()
    d.save(buf)
    assert [r[0] for r in rows_of(parse(Path("m.docx"), "docx", buf.getvalue()))] == [
        "Part: Seal · Price: 18.50 · Stock: 32", "Part: Pump · Price: 41.75 14"]

    def odf_table(rows: list[list[str]]) -> Table:
        table = Table(name="T")
        for r in rows:
            tr = TableRow()
            for c in r:
                cell = TableCell()
                cell.addElement(P(text=c))
                tr.addElement(cell)
            table.addElement(tr)
        return table

    grid = [["Model", "Heater"], ["AX-1", "2 kW"], ["AX-2", "3 kW"]]
    text = OpenDocumentText()
    text.text.addElement(H(outlinelevel=1, text="Heaters"))
    text.text.addElement(odf_table(grid))
    text.text.addElement(P(text="The end."))
    buf = io.BytesIO()
    text.write(buf)
    b = parse(Path("h.odt"), "odt", buf.getvalue())
    assert rows_of(b) == [("Model: AX-1 · Heater: 2 kW", 4, ""), ("Model: AX-2 · Heater: 3 kW", 5, "")]
    assert b[-1].text == "The end."
    sheet = OpenDocumentSpreadsheet()
    sheet.spreadsheet.addElement(odf_table(grid))
    buf = io.BytesIO()
    sheet.write(buf)
    b = parse(Path("h.ods"), "ods", buf.getvalue())
    assert (b[0].text, b[0].heading, b[0].page) == ("T", 1, 1) and rows_of(b)[1] == ("Model: AX-2 · Heater: 3 kW", 3, "")

    b = parse(DOCS / "supplier-payments.xlsx", "xlsx", (DOCS / "supplier-payments.xlsx").read_bytes())
    assert (b[0].text, b[0].heading) == ("Payments 2025", 1)  # the sheet's name heads its rows
    assert rows_of(b)[1] == ("Date: 2025-03-11 · Supplier: Globex · Invoice: INV-2236 · Amount EUR: 845.00", 5,
                             "Supplier payments")  # as the sheet shows it: two decimals, a date without a time
    book = openpyxl.Workbook()
    book.active.append(["Region", "Sales", "Share"])
    for region, sales, share in (("North", 12400, 0.25), ("South", 9800.5, 0.125)):
        book.active.append([region, sales, share])
        book.active.cell(book.active.max_row, 2).number_format = "#,##0"
        book.active.cell(book.active.max_row, 3).number_format = "0.0%"
    buf = io.BytesIO()
    book.save(buf)
    assert [x[0] for x in rows_of(parse(Path("s.xlsx"), "xlsx", buf.getvalue()))] == [
        "Region: North · Sales: 12,400 · Share: 25.0%", "Region: South · Sales: 9,801 · Share: 12.5%"]  # as shown, halves up
    book = openpyxl.Workbook()
    book.active.append(["only", "one", "row"])
    buf = io.BytesIO()
    book.save(buf)
    assert [x.text for x in parse(Path("x.xlsx"), "xlsx", buf.getvalue()) if not x.heading] == ["only · one · row"]
    assert file_kind(Path("a.xlsx")) == "xlsx" and file_kind(Path("a.ods")) == "ods"
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(Exception, match="corrupt Excel file"):
        parse(tmp_path / "broken.xlsx", "xlsx", (tmp_path / "broken.xlsx").read_bytes())


def test_pdf_tables_ruled_borderless_and_over_two_pages_at_their_own_lines() -> None:
    for name, caption, first in (("heater-specs.pdf", "Specifications",
                                  "Model: TF-20 · Heater: 2 kW · Tank: 20 l · Noise: 38 dB · Price: 349 EUR"),
                                 ("price-list.pdf", "Cafe supplies price list 2025",
                                  "Article: A-100 · Description: Espresso beans, 1 kg · Unit: bag · Price EUR: 24.90")):
        with_tables, plain = read_pdf(DOCS / name).blocks, read_pdf(DOCS / name, tables=False).blocks
        rows = rows_of(with_tables)
        assert rows[0][0] == first and {r[2] for r in rows} == {caption}
        lines = {n: line for b in plain for n, line in enumerate(b.text.split("\n"), start=b.start_line or 1)}
        for text, line, _ in rows:  # each row sits at the line pypdf reads it on: citations and previews agree
            cells_ = [v.split(": ", 1)[1] for v in text.split(" · ")]
            assert "".join(lines[line].split()) == "".join("".join(cells_).split()), (line, lines[line], text)
        prose = [b.text for b in with_tables if b.table is None]
        assert prose and all(" · " not in t for t in prose)
    invoice = read_pdf(DOCS / "invoice-2025-031.pdf").blocks
    rows = rows_of(invoice)
    assert len(rows) == 28 and not any(r[0].startswith("Item: Item") for r in rows)  # the repeated header is no row
    page2 = [(b.text, b.page, b.table) for b in invoice if b.page == 2 and b.table is not None]
    assert page2[0] == ("Item: Voltage tester · Quantity: 2 · Unit price EUR: 19.90", 2, "Invoice 2025-031")
    manual = read_pdf(DOCS / "dishwasher-manual.pdf")
    assert [b.text for b in manual.blocks if b.page != 2] == [b.text for b in read_pdf(
        DOCS / "dishwasher-manual.pdf", tables=False).blocks if b.page != 2]  # pages without tables: as before


def test_a_chunk_holds_one_tables_rows_on_their_own_lines(embedder) -> None:  # type: ignore[no-untyped-def]
    blocks = [Block("Intro text.", 1, 1), Block("A: 1 · B: 2", 3, 3, table="Cap"), Block("A: 3 · B: 4", 4, 4, table="Cap"),
              Block("A: 5 · B: 6", 7, 7, table="Other"), Block("After.", 9, 9)]
    chunks = chunk_blocks(blocks, embedder.count_tokens, 256)
    assert [(c.text, c.heading, c.start_line, c.end_line) for c in chunks] == [
        ("Intro text.", "", 1, 1), ("A: 1 · B: 2\nA: 3 · B: 4", "Cap", 3, 4), ("A: 5 · B: 6", "Other", 7, 7),
        ("After.", "", 9, 9)]
    assert [(c.header, c.value) for c in cells("Name: Dr. Smith · Room: 12")] == [("Name", "Dr. Smith"), ("Room", "12")]


@pytest.fixture()
def tables_home(home: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "tables"
    folder.mkdir()
    for name in ("heater-specs.pdf", "price-list.pdf", "shop-rota.docx", "library-hours.html", "supplier-payments.xlsx"):
        shutil.copy(DOCS / name, folder / name)
    run_cli("add", str(folder), home=home)
    return home


def test_a_cell_question_is_answered_from_its_row_and_a_missing_column_is_not(tables_home: Path) -> None:
    a = cli_json("ask", "How much does the TF-80 heater cost?", "--json", "--no-conversation", home=tables_home)
    assert (a["answer_kind"], a["supported"], a["answer"]) == ("table", True, "Price: 689 EUR [1]")
    quote = a["evidence"][0]
    assert quote["quote"].startswith("Model: TF-80") and quote["path"].endswith("heater-specs.pdf")
    assert quote["page"] == 1 and quote["start_line"] == quote["end_line"] == 9
    a = cli_json("ask", "When does the library close on Thursday?", "--json", "--no-conversation", home=tables_home)
    assert a["answer"] == "Closes: 20:00 [1]" and a["evidence"][0]["start_line"] == 14  # the file's own line
    night = cli_json("ask", "Who works the night shift on Monday?", "--json", "--no-conversation", home=tables_home)
    assert not night["supported"] and "Day: Monday" in night["evidence"][0]["quote"]  # the row, shown, not answered
    hits = cli_json("search", "Acme Tools INV-2231", "--json", "-k", "3", home=tables_home)
    assert hits["results"][0]["text"].count("Amount EUR: ") >= 1


def test_totals_lists_and_the_highest_are_computed_from_every_row(tables_home: Path) -> None:
    total = cli_json("ask", "What is the total paid to Acme Tools?", "--json", "--no-conversation", home=tables_home)
    assert (total["answer_kind"], total["supported"]) == ("computed", True)
    assert total["answer"] == "Total Amount EUR: 2,190.50 over 2 rows [1, 2]"
    assert [q["quote"].split(" · ")[2] for q in total["evidence"]] == ["Invoice: INV-2231", "Invoice: INV-2262"]
    shown = run_cli("ask", "What is the total paid to Acme Tools?", "--no-conversation", home=tables_home).stdout
    assert "supplier-payments.xlsx:sheet 1, lines 4-4" in shown  # a workbook's citation names its sheet, not a page
    listed = cli_json("ask", "Which models have a 2 kW heater?", "--json", "--no-conversation", home=tables_home)
    assert listed["answer"] == "Model: TF-20, TF-50 over 2 rows [1, 2]"
    dear = cli_json("ask", "Which heater is the most expensive?", "--json", "--no-conversation", home=tables_home)
    assert dear["answer"] == "Highest Price: TF-80 (689 EUR) [1]" and dear["evidence"][0]["quote"].startswith("Model: TF-80")
    none = cli_json("ask", "Which models have a 9 kW heater?", "--json", "--no-conversation", home=tables_home)
    assert not none["supported"]


def test_the_preview_shows_the_cited_row_in_its_table(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "specs"
    folder.mkdir()
    shutil.copy(DOCS / "heater-specs.pdf", folder / "heater-specs.pdf")
    app = make_app()
    app.index.add([str(folder)])
    app.index.update()
    hit = next(r for r in app.library.search("TF-80 noise", 5, "keyword") if "TF-80" in r.text)
    row = next(n for n, line in enumerate(hit.text.split("\n"), start=hit.start_line) if "TF-80" in line)
    ctx = app.library.passage_context(type(hit)(hit.chunk_id, hit.path, 0.0, hit.text, hit.heading, hit.page, row, row), 2)
    assert (ctx.start, ctx.end) == (row, row) and ctx.error is None
    assert dict(ctx.rows)[row].startswith("Model: TF-80 · Heater: 4.5 kW")  # the row, with its header, at its line
    assert dict(ctx.rows)[row - 1].startswith("Model: TF-50")


def test_a_row_backs_no_models_words(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The invoice lists no chairs; the model read the desk organiser's row ("Qty: 4") and said
    "4", which the lexical check passed (the row's heading names the invoice). A row backs only
    what code reads from it, so the row is shown as a quote, not as support."""
    folder = tmp_path / "invoices"
    folder.mkdir()
    shutil.copy(Path(__file__).parents[1] / "bench" / "tables" / "heldout4" / "docs" / "invoice-INV-4471.pdf", folder)
    app = make_app()
    app.index.add([str(folder)])
    app.index.update()
    chairs = app.library.ask("How many chairs were on invoice INV-4471?")
    assert not chairs.supported and chairs.kind == "quote"
    stapler = app.library.ask("What is the unit price of the stapler?")
    assert (stapler.kind, stapler.supported, stapler.short_answer) == ("table", True, "12.40")


def test_weights_totals_of_amounts_and_lists_of_row_labels(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "bikes.csv").write_text("model,frame,weight,price\nCity 3,steel,15 kg,990 EUR\n"
                                      "Tour 7,aluminium,18 kg,1290 EUR\nMini 1,aluminium,12 kg,690 EUR\n")
    (folder / "order.csv").write_text("item,qty,unit price,amount\nPaper,10,4.50,45.00\nBlack ink,2,20.00,40.00\n"
                                      "Colour ink,3,25.00,75.00\n")
    (folder / "loans.csv").write_text("title,borrower,due\nThe Hobbit,Mia,2025-12-10\nDune,Leo,2025-12-03\n"
                                      "Matilda,Mia,2025-12-17\n")
    (folder / "programs.csv").write_text("program,temperature,duration\nEco,50 C,220 min\nQuick,40 C,30 min\n")
    (folder / "recipes.csv").write_text("recipe,serves,prep time,cook time\nLasagne,6,30 min,45 min\n"
                                        "Banana bread,8,15 min,60 min\n")
    (folder / "rota.csv").write_text("week,on call,backup\nWeek 1,Priya Shah,Tom Reed\nWeek 2,Tom Reed,Lena Vogt\n"
                                     "Week 4,Omar Ali,Tom Reed\n")
    app = make_app()
    app.index.add([str(folder)])
    app.index.update()
    eco = app.library.ask("How long does the Eco program take?")  # "how long": the one column of durations
    assert (eco.kind, eco.supported, eco.short_answer) == ("table", True, "220 min")
    rest = app.library.ask("How long does the lasagne need to rest?")  # two durations, neither a rest: no answer
    assert not rest.supported
    on_call = app.library.ask("Which weeks is Tom Reed on call?")  # in the column the question names, not his weeks as backup
    assert on_call.supported and on_call.text.startswith("week: Week 2 over 1 row [")
    duty = app.library.ask("Which weeks does Tom Reed work?")  # on call in one row, backup in two: no one column, no list
    assert not duty.supported
    books = app.library.ask("Which books has Mia borrowed?")  # no "book" column: the rows' labels, of the rows named
    assert (books.kind, books.supported) == ("computed", True) and books.text.startswith("title: The Hobbit, Matilda")
    boxes = app.library.ask("How many boxes has Mia borrowed?")  # a count of a thing no column names is no count of rows
    assert not boxes.supported
    heavy = app.library.ask("How heavy is the Tour 7?")
    assert (heavy.kind, heavy.supported, heavy.short_answer) == ("table", True, "18 kg")
    light = app.library.ask("Which model is the lightest?")
    assert (light.supported, light.short_answer) == (True, "Mini 1") and "12 kg" in light.text
    ink = app.library.ask("How much did we spend on ink in total?")  # the amounts, not the unit prices beside them
    assert (ink.kind, ink.supported) == ("computed", True) and ink.text.startswith("Total amount: 115.00 over 2 rows")


def test_a_wrapped_cell_joins_the_nearer_row() -> None:
    """A cell wrapped over lines belongs to its row whether the row's other cells sit at its top
    line or in its middle (fpdf2 centres them: "Ryzen 7" above the row's line, "7840HS" below)."""
    from localrag.indexing.parse.pdf_tables import join_wrapped_cells

    centred = [["Aero 15", "i7-1355U", "16 GB"], ["", "Ryzen 7", ""], ["Forge 16", "", "32 GB"], ["", "7840HS", ""]]
    assert join_wrapped_cells(centred, [100, 89, 85, 81]) == [["Aero 15", "i7-1355U", "16 GB"],
                                                                 ["Forge 16", "Ryzen 7 7840HS", "32 GB"]]
    top = [["Forge 16", "Ryzen 7", "32 GB"], ["", "7840HS", ""], ["Slate 12", "i3-1315U", "8 GB"]]
    assert join_wrapped_cells(top, [100, 96, 88]) == [["Forge 16", "Ryzen 7 7840HS", "32 GB"],
                                                         ["Slate 12", "i3-1315U", "8 GB"]]


def test_a_question_that_names_rows_alike_or_a_total_column(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "renovation"
    folder.mkdir()
    (folder / "hardware.csv").write_text('item,qty,price,total\n"Paint, white, 10 l",2,39.90,79.80\n'
                                         '"Paint, grey, 2.5 l",1,18.50,18.50\n"Light switch, white",3,4.49,13.47\n'
                                         '"Paint roller, 25 cm",2,7.49,14.98\n')
    (folder / "harvest.csv").write_text("crop,bed,kg\nOnions,Bed 1,7.4\nCarrots,Bed 3,6.2\n")
    (folder / "plans.csv").write_text("plan,data,minutes,price\nBasic,5 GB,300,9.99\nPlus,20 GB,unlimited,14.99\n"
                                      "Youth,15 GB,500,7.99\n")
    (folder / "readings.csv").write_text("week,topic,pages\nWeek 2,Research design,31\nWeek 3,Statistics I,42\n"
                                         "Week 4,Statistics II,38\n")
    (folder / "parcels.csv").write_text("service,delivery,price\nStandard,3-5 days,4.50\nExpress,next day,9.90\n")
    (folder / "rides.csv").write_text("date,route,km,avg speed\n2025-05-11,Hill climb,38,18.2 km/h\n"
                                      "2025-05-18,River path,45,21.5 km/h\n")
    (folder / "pumps.csv").write_text("model,sound power,price\nHP-6,55 dB(A),6900 EUR\nHP-16,63 dB(A),12900 EUR\n")
    (folder / "laptops.csv").write_text("model,ram,storage,price\nAero 13,16 GB,512 GB,999 EUR\n"
                                        "Aero 15,16 GB,1024 GB,\"1,299 EUR\"\nForge 16,32 GB,1024 GB,\"1,799 EUR\"\n"
                                        "Slate 12,8 GB,256 GB,749 EUR\n")
    app = make_app()
    app.index.add([str(folder)])
    app.index.update()
    white = app.library.ask("What was the total for the white paint?")  # "total" names a column: a cell, not a sum
    assert (white.kind, white.supported, white.short_answer) == ("table", True, "79.80")
    paint = app.library.ask("What did the paint cost?")  # two paint rows, two prices: the rows are shown, not one chosen
    assert not paint.supported
    spent = app.library.ask("How much did we spend on paint in total?")  # the paint, not the paint roller
    assert spent.supported and spent.text.startswith("Total total: 98.30 over 2 rows [")
    switches = app.library.ask("What did the light switches cost?")  # what was paid, not the unit price
    assert (switches.supported, switches.short_answer) == (True, "13.47")
    sown = app.library.ask("How many kg of onions did we sow?")  # a harvest log says nothing of sowing
    assert not sown.supported
    reaped = app.library.ask("How many kg of onions did we harvest?")  # its file is named for it
    assert (reaped.supported, reaped.short_answer) == (True, "7.4")
    minutes = app.library.ask("How many minutes does the Youth plan have?")  # a column of counts: its cell, not a count
    assert (minutes.kind, minutes.short_answer) == ("table", "500")
    weeks = app.library.ask("Which weeks cover statistics?")  # "Statistics II" is statistics too
    assert weeks.supported and weeks.text.startswith("week: Week 3, Week 4 over 2 rows [")
    same_day = app.library.ask("How much does same-day delivery cost?")  # not the row of "next day"
    assert not same_day.supported
    other_day = app.library.ask("What was my average speed on 2025-05-12?")  # no such date: not the ride of 2025-05-11
    assert not other_day.supported
    speed = app.library.ask("What was my average speed on 2025-05-18?")  # "avg speed" is a column: a cell, no average
    assert (speed.kind, speed.supported, speed.short_answer) == ("table", True, "21.5 km/h")
    loud = app.library.ask("Which model is the loudest?")  # the sound power in dB(A), a number with its unit
    assert (loud.supported, loud.short_answer) == (True, "HP-16") and "63 dB(A)" in loud.text
    ram = app.library.ask("Which laptops have 16 GB of RAM?")  # "16 GB" in the RAM column, not "16" of "Forge 16"
    assert ram.supported and ram.text.startswith("model: Aero 13, Aero 15 over 2 rows [")
    mean = app.library.ask("What is the average price of the laptops?")
    assert mean.supported and mean.text.startswith("Average price: 1,211.50 EUR over 4 rows [")  # cents, as money
