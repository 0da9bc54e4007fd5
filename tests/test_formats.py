"""Each extra format on a real file made by the format's own library (or the stdlib), indexed
and searched for real, with a broken file of each giving a reason."""

from __future__ import annotations

import json
import mailbox
import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest

from localrag.indexing.parse.base import ParseError
from localrag.indexing.parse.registry import file_kind, parse


def make_docx(p: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("Maintenance", level=1)
    d.add_paragraph("Replace the water filter of the espresso machine every ninety days.")
    t = d.add_table(rows=1, cols=2)
    t.rows[0].cells[0].text, t.rows[0].cells[1].text = "part", "gasket"
    d.save(p)


def make_pptx(p: Path) -> None:
    import pptx

    deck = pptx.Presentation()
    for title, body in (("Quarterly plan", "Hire two engineers."), ("Risks", "The llama shortage worsens.")):
        s = deck.slides.add_slide(deck.slide_layouts[1])
        s.shapes.title.text = title
        s.placeholders[1].text = body
    deck.save(p)


def make_odt(p: Path) -> None:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Garden"))
    doc.text.addElement(P(text="Sow the parsnips in early spring, in deep loose soil."))
    doc.save(str(p))


def make_epub(p: Path) -> None:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("x1")
    book.set_title("Sea stories")
    book.set_language("en")
    chapters = []
    for i, text in enumerate(["The lighthouse keeper counted gulls.", "A kraken surfaced near the harbour."], 1):
        c = epub.EpubHtml(title=f"Chapter {i}", file_name=f"c{i}.xhtml", lang="en")
        c.content = f"<html><body><h1>Chapter {i}</h1><p>{text}</p></body></html>"
        book.add_item(c)
        chapters.append(c)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = chapters
    epub.write_epub(str(p), book)


def make_mail(d: Path) -> None:
    m = EmailMessage()
    m["Subject"], m["From"], m["To"] = "Invoice 42", "ann@example.org", "bob@example.org"
    m.set_content("The invoice for the walrus feed is due on Friday.")
    (d / "invoice.eml").write_bytes(bytes(m))
    box = mailbox.mbox(d / "archive.mbox")
    for subj, body in (("Lunch", "Shall we eat noodles?"), ("Trip", "The ferry leaves at dawn.")):
        e = EmailMessage()
        e["Subject"], e["From"] = subj, "cat@example.org"
        e.set_content(body)
        box.add(e)
    box.close()


@pytest.fixture()
def formats(tmp_path: Path) -> Path:
    d = tmp_path / "formats"
    d.mkdir()
    make_docx(d / "manual.docx")
    make_pptx(d / "plan.pptx")
    make_odt(d / "garden.odt")
    make_epub(d / "sea.epub")
    make_mail(d)
    (d / "prices.csv").write_text("item,price,unit\nsaffron,12.50,gram\nvanilla,3.10,pod\n")
    (d / "staff.tsv").write_text("name\trole\nIda\tbarista\nOle\troaster\n")
    (d / "analysis.ipynb").write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Churn model\n", "We predict churn."]},
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": ["print(2 + 2)"],
         "outputs": [{"output_type": "stream", "name": "stdout", "text": ["4\n"]}]}]}))
    return d


def test_every_format_is_parsed_with_structure(formats: Path) -> None:
    def blocks(name: str):
        p = formats / name
        return parse(p, file_kind(p) or "", p.read_bytes())

    b = blocks("manual.docx")
    assert (b[0].text, b[0].heading) == ("Maintenance", 1) and "ninety days" in b[1].text and b[2].text == "part | gasket"
    b = blocks("plan.pptx")
    assert [(x.page, x.heading) for x in b if x.heading] == [(1, 1), (2, 1)] and b[-1].text == "The llama shortage worsens."
    b = blocks("garden.odt")
    assert (b[0].text, b[0].heading) == ("Garden", 1) and "parsnips" in b[1].text
    b = blocks("sea.epub")
    assert {x.page for x in b if "kraken" in x.text} == {2}
    b = blocks("prices.csv")
    assert [x.text for x in b] == ["item: saffron · price: 12.50 · unit: gram", "item: vanilla · price: 3.10 · unit: pod"]
    assert b[1].start_line == 3
    assert blocks("staff.tsv")[0].text == "name: Ida · role: barista"
    b = blocks("analysis.ipynb")
    assert (b[0].text, b[0].heading) == ("Churn model", 1) and b[2].code and b[3].text.strip() == "4"
    b = blocks("invoice.eml")
    assert b[0].text == "Invoice 42" and "ann@example.org" in b[1].text and "walrus" in b[2].text
    b = blocks("archive.mbox")
    assert [(x.text, x.page) for x in b if x.heading] == [("Lunch", 1), ("Trip", 2)]


def test_formats_are_indexed_and_found(make_app, formats: Path) -> None:
    app = make_app()
    app.index.add([str(formats)])
    s = app.index.update()
    assert s.failed == 0 and s.added == 9
    for query, name in (("water filter replacement", "manual.docx"), ("llama shortage", "plan.pptx"),
                        ("parsnips soil", "garden.odt"), ("kraken harbour", "sea.epub"), ("vanilla pod price", "prices.csv"),
                        ("walrus feed invoice", "invoice.eml"), ("ferry at dawn", "archive.mbox"),
                        ("churn prediction notebook", "analysis.ipynb")):
        assert Path(app.library.search(query, k=1)[0].path).name == name, query
    # what indexing does (the sandboxed child), not only in-process parse(): headings survive the
    # pipe, so chunks keep to their sections and carry their heading path
    heads = {(Path(p).name, h) for p, h in app.store.db.execute(
        "SELECT d.path, c.heading FROM chunks c JOIN documents d ON d.id = c.doc_id")}
    for name, heading in (("manual.docx", "Maintenance"), ("garden.odt", "Garden"), ("analysis.ipynb", "Churn model"),
                          ("plan.pptx", "Quarterly plan"), ("plan.pptx", "Risks"), ("archive.mbox", "Lunch"),
                          ("archive.mbox", "Trip")):
        assert (name, heading) in heads, (name, heading, sorted(heads))
    ferry = app.library.search("ferry at dawn", k=1)[0]
    assert ferry.heading == "Trip" and "Lunch" not in ferry.text  # one message's chunk, not two


@pytest.mark.parametrize("name", ["bad.docx", "bad.pptx", "bad.odt", "bad.epub", "bad.ipynb"])
def test_broken_files_give_reasons(tmp_path: Path, name: str) -> None:
    p = tmp_path / name
    p.write_bytes(b"PK\x03\x04 this is not a real package" if not name.endswith("ipynb") else b"{not json")
    with pytest.raises(ParseError):
        parse(p, file_kind(p) or "", p.read_bytes())


def test_previews_show_every_format_as_it_was_indexed(make_app, formats: Path) -> None:
    """A citation of any format opens on its own text with its lines lit: never "corrupt PDF"
    for a slide, a chapter or a message, never a notebook's raw JSON."""
    from localrag.answering.preview import passage_context

    app = make_app()
    app.index.add([str(formats)])
    app.index.update()
    for query, name, words in (("llama shortage", "plan.pptx", "llama shortage"),
                               ("kraken harbour", "sea.epub", "kraken surfaced"),
                               ("ferry at dawn", "archive.mbox", "ferry leaves"),
                               ("churn prediction notebook", "analysis.ipynb", "We predict churn"),
                               ("water filter replacement", "manual.docx", "ninety days"),
                               ("vanilla pod price", "prices.csv", "vanilla")):
        r = app.library.search(query, k=1)[0]
        assert Path(r.path).name == name
        ctx = passage_context(r)
        assert ctx.error is None, (name, ctx.error)
        lit = " ".join(t for n, t in ctx.rows if ctx.start <= n <= ctx.end)
        assert words in lit, (name, lit)
        assert '"cell_type"' not in " ".join(t for _, t in ctx.rows)


def test_one_registry_names_every_format_its_pages_and_its_sandbox() -> None:
    from localrag.indexing.parse.registry import FORMATS, KIND_OF_SUFFIX, parser_for, sandboxed
    from localrag.search.retrieve import PAGE_WORDS, page_word

    suffixes = [s for f in FORMATS for s in f.suffixes]
    assert len(suffixes) == len(set(suffixes)) == len(KIND_OF_SUFFIX)  # a suffix names one kind
    for f in FORMATS:  # every third-party format has its parser; they, Markdown and HTML go to the child
        assert sandboxed(f.kind) == (f.kind in ("pdf", "markdown", "html") or parser_for(f.kind) is not None)
        assert not (f.own_lines and any(s in PAGE_WORDS for s in f.suffixes))  # a file's own lines have no pages
    assert set(PAGE_WORDS) <= set(KIND_OF_SUFFIX)  # every paged suffix is a format's
    assert [page_word(p) for p in ("a.pdf", "b.XLSX", "c.pptx", "d.epub", "e.mbox")] == [
        "page", "sheet", "slide", "chapter", "message"]
    assert file_kind(Path("a/b.PPTX")) == "pptx" and not sandboxed("rst") and not sandboxed(None)


def test_an_office_file_without_the_office_extra_says_so_and_is_read_once_it_is_there(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from localrag.indexing.indexer import retry_delay

    docx_file = Path(__file__).parent / "answerset" / "docs" / "shop-rota.docx"
    for name in ("docx", "docx.table"):
        monkeypatch.setitem(sys.modules, name, None)  # as if python-docx were not installed
    with pytest.raises(ParseError, match=r"reading \.docx files needs the office extra: pipx install 'localrag\[office\]'") as e:
        parse(docx_file, "docx", docx_file.read_bytes())
    assert retry_delay(str(e.value), 1) is None  # not on a timer: read again when the extra is installed


def test_without_the_office_extra_status_names_it_and_index_reads_the_file_once_installed(
        home: Path, tmp_path: Path) -> None:
    """The real path: the sandboxed parser meets no python-docx (a stand-in that fails to import,
    ahead of it on the path), the file is listed as needing the extra; with the library back, the
    next `index` reads it though the file did not change."""
    import os

    from .conftest import cli_json, run_cli

    folder = tmp_path / "office"
    folder.mkdir()
    shutil.copy(Path(__file__).parent / "answerset" / "docs" / "shop-rota.docx", folder)
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "docx.py").write_text("raise ModuleNotFoundError(\"No module named 'docx'\", name='docx')\n")
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(hidden)
    try:
        run_cli("add", str(folder), home=home)
        failed = cli_json("status", home=home)["failed"]
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = old
    assert len(failed) == 1 and "needs the office extra: pipx install 'localrag[office]'" in str(failed[0])
    run_cli("index", home=home)
    assert cli_json("status", home=home)["failed"] == []
    assert "Monday" in run_cli("search", "shop rota Monday", "--mode", "keyword", home=home).stdout
