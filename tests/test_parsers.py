from pathlib import Path

import pytest

from localrag.parsers import ParseError, decode, file_kind, parse, parse_html, parse_markdown, parse_pdf, parse_rst


def test_file_kind_by_name() -> None:
    assert file_kind(Path("a.md")) == "markdown"
    assert file_kind(Path("a.RST")) == "rst"
    assert file_kind(Path("glossary.rst.txt")) == "rst"
    assert file_kind(Path("x.py")) == "code"
    assert file_kind(Path("page.html")) == "html"
    assert file_kind(Path("doc.pdf")) == "pdf"
    assert file_kind(Path("README")) == "text"
    assert file_kind(Path("photo.jpg")) is None
    assert file_kind(Path("archive.zip")) is None


def test_markdown_headings_code_and_lines() -> None:
    text = "# Title\n\nIntro line one\nline two\n\n```python\nx = 1\n\ny = 2\n```\n\nSetext\n------\nbody\n"
    blocks = list(parse_markdown(text))
    assert [(b.heading, b.start_line, b.end_line, b.code) for b in blocks] == [
        (1, 1, 1, False), (0, 3, 4, False), (0, 6, 10, True), (2, 12, 13, False), (0, 14, 14, False)]
    assert blocks[2].text.count("\n") == 4  # the blank line inside the fence stays in one block


def test_rst_sections_levels_and_literal_blocks() -> None:
    text = ("=====\nTitle\n=====\n\nSection\n-------\n\nExample::\n\n    code line\n\n    more code\n\nAfter.\n\n"
            "Other\n-----\n\ntext\n")
    blocks = list(parse_rst(text))
    heads = [(b.text, b.heading) for b in blocks if b.heading]
    assert heads == [("Title", 1), ("Section", 2), ("Other", 2)]
    code = [b for b in blocks if b.code]
    assert len(code) == 1 and "more code" in code[0].text and code[0].start_line == 10 and code[0].end_line == 12
    after = next(b for b in blocks if b.text == "After.")
    assert after.start_line == 14


def test_html_text_headings_lines_and_no_script() -> None:
    html = "<html><head><title>t</title><script>var x='secret'</script></head>\n<body>\n<h2>Install</h2>\n" \
           "<p>Run the &amp; installer.</p>\n<pre>make\nmake install</pre>\n</body></html>"
    blocks = parse_html(html)
    assert [(b.text, b.heading, b.start_line) for b in blocks[:2]] == [("Install", 2, 3), ("Run the & installer.", 0, 4)]
    assert blocks[2].code and blocks[2].text == "make\nmake install" and blocks[2].end_line == 6
    assert all("secret" not in b.text for b in blocks)


def test_decode_encodings_and_binary() -> None:
    assert decode("café".encode()) == "café"
    assert decode("\ufeffbom".encode("utf-8")) == "bom"
    assert decode("naïve résumé text here".encode("utf-16")) == "naïve résumé text here"
    assert "Grüße" in decode("Viele Grüße aus München, schöne Grüße an alle.".encode("cp1252"))
    with pytest.raises(ParseError, match="binary"):
        decode(b"\x00\x01\x02\x03ELF\x00\x00" * 100)


def test_control_characters_and_escapes_are_dropped(tmp_path: Path) -> None:
    p = tmp_path / "evil.txt"
    p.write_bytes(b"hello \x1b[31mred\x1b[0m \x07bell\n")
    (block,) = parse(p, "text")
    assert block.text == "hello red bell"


def make_pdf(path: Path, pages: list[str]) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    for body in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, body)
    pdf.output(str(path))


def test_pdf_pages_are_numbered(tmp_path: Path) -> None:
    p = tmp_path / "a.pdf"
    make_pdf(p, ["First page about apples.", "Second page about pears.", "Third page about plums."])
    blocks = parse_pdf(p)
    assert [(b.page, "pears" in b.text) for b in blocks] == [(1, False), (2, True), (3, False)]


def test_broken_and_encrypted_pdfs_give_reasons(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\n this is not really a pdf")
    with pytest.raises(ParseError, match="PDF"):
        parse_pdf(bad)
    from pypdf import PdfReader, PdfWriter

    src = tmp_path / "plain.pdf"
    make_pdf(src, ["secret text"])
    w = PdfWriter()
    for page in PdfReader(src).pages:
        w.add_page(page)
    w.encrypt("hunter2")
    enc = tmp_path / "enc.pdf"
    with open(enc, "wb") as fh:
        w.write(fh)
    with pytest.raises(ParseError, match="encrypted"):
        parse_pdf(enc)


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from localrag.parsers import paragraphs  # noqa: E402

MARKUPISH = st.text(alphabet=st.sampled_from(list("ab #=-`~:*[]<>/&;\n\t\r\x00\x1b\u00e9\u2028")), max_size=400)


@settings(max_examples=150, deadline=None)
@given(MARKUPISH)
def test_property_text_parsers_never_crash_and_keep_lines_in_range(text: str) -> None:
    n_lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for blocks in (list(parse_markdown(text)), list(parse_rst(text)), list(paragraphs(text.split("\n"), 1))):
        for b in blocks:
            assert b.text.strip()
            assert 1 <= b.start_line <= b.end_line <= n_lines + 1
    for b in parse_html(text):
        assert b.text.strip()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_property_decode_returns_text_or_a_reason(data: bytes) -> None:
    try:
        out = decode(data)
    except ParseError as e:
        assert str(e)
    else:
        assert isinstance(out, str)
