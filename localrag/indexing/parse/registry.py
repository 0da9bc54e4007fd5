"""Which parser reads a file: every format with its suffixes, whether its
line numbers are the file's own and whether it runs in the sandbox; and ``parse``, one file to
blocks. Each third-party format is a small module behind one interface,
``parse(data: bytes) -> list[Block]``, raising ``ParseError`` with a reason a user can read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TypeGuard

from localrag.indexing.parse.base import Block, ParseError, clean, decode, paragraphs
from localrag.indexing.parse.pdf import parse_pdf
from localrag.indexing.parse.text import parse_html, parse_markdown, parse_rst

Parser = Callable[[bytes], list[Block]]


@dataclass(frozen=True)
class Format:
    """One kind of file: the suffixes that name it, whether its line numbers are the file's own
    lines (a preview reads the file as text) and whether a third-party parser reads it (then in
    the sandboxed child, with its limits). What its citations call its pages: ``page_word``."""

    kind: str
    suffixes: tuple[str, ...]
    own_lines: bool = False
    sandboxed: bool = True


CODE = (
    ".py", ".pyi", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp",
    ".hh", ".go", ".rs", ".java", ".kt", ".kts", ".scala", ".rb", ".php", ".pl", ".pm", ".sh", ".bash",
    ".zsh", ".fish", ".ps1", ".lua", ".r", ".jl", ".swift", ".m", ".mm", ".cs", ".fs", ".hs", ".ml",
    ".ex", ".exs", ".erl", ".clj", ".el", ".lisp", ".scm", ".sql", ".css", ".scss", ".sass", ".less",
    ".vue", ".svelte", ".toml", ".yaml", ".yml", ".ini", ".cfg", ".conf", ".json", ".xml", ".proto",
    ".graphql", ".tf", ".nix", ".cmake", ".gradle", ".dart", ".zig", ".nim", ".v", ".vhd", ".asm", ".s",
    ".bat", ".cmd", ".mk",
)

FORMATS = (
    # our own parsers, in-process, each linear with a small constant (tests/test_parsers.py feeds
    # them hostile megabytes): line numbers are the file's own
    Format("rst", (".rst", ".rest"), own_lines=True, sandboxed=False),
    Format("text", (".txt", ".text", ".org", ".adoc", ".asciidoc", ".tex", ".log", ".textile", ".wiki"),
           own_lines=True, sandboxed=False),
    Format("code", CODE, own_lines=True, sandboxed=False),
    # line numbers are the file's own, but the parser runs in the sandboxed child: markdown-it-py
    # is linear but slow on a hostile megabyte of many small blocks, and the stdlib's
    # html.parser is quadratic on unclosed comments and tags
    Format("markdown", (".md", ".markdown", ".mdown", ".mkd", ".mdx"), own_lines=True),
    Format("html", (".html", ".htm", ".xhtml"), own_lines=True),
    # third-party parsers, in the sandboxed child: line numbers count the parser's lines
    Format("pdf", (".pdf",)),
    Format("docx", (".docx",)),
    Format("pptx", (".pptx",)),
    Format("odt", (".odt",)),
    Format("epub", (".epub",)),
    Format("csv", (".csv",)),
    Format("xlsx", (".xlsx", ".xlsm")),
    Format("ods", (".ods",)),
    Format("tsv", (".tsv",)),
    Format("ipynb", (".ipynb",)),
    Format("eml", (".eml",)),
    Format("mbox", (".mbox",)),
)
BY_KIND = {f.kind: f for f in FORMATS}
KIND_OF_SUFFIX = {suffix: f.kind for f in FORMATS for suffix in f.suffixes}


def sandboxed(kind: str | None) -> TypeGuard[str]:
    return kind in BY_KIND and BY_KIND[kind].sandboxed


def own_lines(kind: str | None) -> bool:
    """Unknown kinds (a file named README, say) are read as text: their own lines."""
    return kind not in BY_KIND or BY_KIND[kind].own_lines


# Formats whose libraries come with the `office` extra, and those libraries' import names.
NEEDS_EXTRA = frozenset({"docx", "pptx", "odt", "ods", "epub", "xlsx"})
OFFICE_MODULES = frozenset({"docx", "pptx", "odf", "ebooklib", "openpyxl"})
MISSING_OFFICE = "needs the office extra"  # in the reason such a file failed with


def office_installed() -> bool:
    """Whether the office extra's libraries are there (a file that needed them is read again)."""
    return all(find_spec(m) is not None for m in OFFICE_MODULES)


def parser_for(kind: str) -> Parser | None:
    """Imported on use: each library costs start-up time only when its format shows up."""
    if kind in ("docx", "pptx", "odt", "ods"):
        from localrag.indexing.parse import office

        return {"docx": office.parse_docx, "pptx": office.parse_pptx, "odt": office.parse_odt,
                "ods": office.parse_ods}[kind]
    if kind == "epub":
        from localrag.indexing.parse.epub import parse_epub

        return parse_epub
    if kind in ("csv", "tsv", "xlsx"):
        from localrag.indexing.parse import tabular

        return {"csv": tabular.parse_csv, "tsv": tabular.parse_tsv, "xlsx": tabular.parse_xlsx}[kind]
    if kind == "ipynb":
        from localrag.indexing.parse.notebook import parse_ipynb

        return parse_ipynb
    if kind in ("eml", "mbox"):
        from localrag.indexing.parse.mail import parse_eml, parse_mbox

        return parse_eml if kind == "eml" else parse_mbox
    return None


TEXT_NAMES = {
    "readme", "license", "licence", "copying", "authors", "contributors", "changelog", "changes", "news",
    "notice", "todo", "makefile", "dockerfile", "containerfile", "gemfile", "rakefile", "procfile",
    "vagrantfile", "justfile", "install", "history",
}


def file_kind(path: Path) -> str | None:
    """The parser for a path, by its name (the registry in ``formats``); None means: skip
    quietly, not a document."""
    suffix = path.suffix.lower()
    inner = Path(path.stem).suffix.lower()
    if suffix == ".txt" and KIND_OF_SUFFIX.get(inner) in ("markdown", "rst"):  # Sphinx's _sources/*.rst.txt
        suffix = inner
    if suffix in KIND_OF_SUFFIX:
        return KIND_OF_SUFFIX[suffix]
    stem = path.name.lower()
    if stem in TEXT_NAMES or path.stem.lower() in TEXT_NAMES:
        return "text"
    return None


def parse(path: Path, kind: str, data: bytes | None = None) -> list[Block]:
    """Blocks of one file. ``data`` is the file's bytes when the caller already read them."""
    if kind == "pdf":
        return parse_pdf(path)
    if data is None:
        data = path.read_bytes()
    fmt = parser_for(kind)
    if fmt is not None:
        try:
            return fmt(data)
        except ModuleNotFoundError as e:
            if kind in NEEDS_EXTRA and (e.name or "").split(".")[0] in OFFICE_MODULES:
                raise ParseError(f"reading .{kind} files {MISSING_OFFICE}: "
                                 "pipx install 'localrag[office]' (or pip install 'localrag[office]')") from None
            raise
    text = clean(decode(data))
    if kind == "markdown":
        return list(parse_markdown(text))
    if kind == "rst":
        return list(parse_rst(text))
    if kind == "html":
        return parse_html(text)
    return list(paragraphs(text.split("\n"), 1, code=(kind == "code")))
