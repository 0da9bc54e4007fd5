"""Tables (issue 36): what reading tables costs at indexing, and how well their cells are answered.

Speed: a 100-page PDF whose every page holds a table (ruled and borderless in turn), and the
first 100 pages of a real manual (Valgrind's, from Debian's valgrind package), each indexed in a
fresh process with table extraction and without ($LOCALRAG_TABLES=off); target: at most 1.5x.
Answers: `localrag eval --answer-set` on the table sets, with the bundled models: dev (used while
building), then heldout to heldout12, each written after the change before it and committed before
its first run (the clean figure); fixes followed what each first run showed, but for heldout9's,
heldout10's and heldout12's, which were clean.

    .venv/bin/python bench/tables.py [--skip-speed] [--skip-answers]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
VALGRIND = Path("/usr/share/doc/valgrind/valgrind_manual.pdf.gz")

CHILD = r"""
import json, sys, time
from localrag.core import Localrag
app = Localrag()
app.models.embedder  # loading the model is not indexing
t = time.perf_counter()
app.index.add([sys.argv[1]])
stats = app.index.update()
print(json.dumps({"wall": time.perf_counter() - t, "chunks": stats.chunks_embedded, "failed": stats.failed}))
"""


def table_pdf(path: Path, pages: int = 100) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    for p in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 10, f"Section {p + 1}: parts list", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 5, "The parts below fit the models of this section. Order them by their number; prices "
                       "include VAT and delivery within five working days. " * 3, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        rows = [["Part", "Description", "Fits", "Price EUR"]] + [
            [f"P-{p:03d}-{r:02d}", f"Spare part {r} for series {p}", f"S{p % 7}", f"{(p * 13 + r * 7) % 90 + 0.5:.2f}"]
            for r in range(12)]
        options = {} if p % 2 == 0 else {"borders_layout": "NONE", "first_row_as_headings": True}
        with pdf.table(col_widths=(25, 70, 20, 25), **options) as t:
            for row in rows:
                r_ = t.row()
                for c in row:
                    r_.cell(c)
        pdf.ln(3)
        pdf.multi_cell(0, 5, "Keep the receipt for warranty claims. " * 4, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def first_pages(src: Path, dst: Path, pages: int = 100) -> None:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(src)
    writer = PdfWriter()
    for page in reader.pages[:pages]:
        writer.add_page(page)
    with dst.open("wb") as f:
        writer.write(f)


def index_seconds(folder: Path, tables: bool) -> dict:
    with tempfile.TemporaryDirectory() as home:
        models = Path(os.environ.get("LOCALRAG_HOME", Path.home() / ".local/share/localrag")) / "models"
        if models.exists():
            (Path(home) / "models").symlink_to(models, target_is_directory=True)
        env = dict(os.environ, LOCALRAG_HOME=home, LOCALRAG_TABLES="on" if tables else "off")
        out = subprocess.run([sys.executable, "-c", CHILD, str(folder)], env=env, capture_output=True, text=True,
                             check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])


def speed() -> list[list[object]]:
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folders = []
        synthetic = Path(tmp) / "synthetic"
        synthetic.mkdir()
        table_pdf(synthetic / "parts-catalogue.pdf")
        folders.append(("100 pages, a table on each", synthetic))
        if not VALGRIND.exists():
            subprocess.run(["apt-get", "install", "-y", "-qq", "valgrind"], check=False,
                           env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        if VALGRIND.exists():
            real = Path(tmp) / "valgrind"
            real.mkdir()
            whole = Path(tmp) / "valgrind.pdf"
            whole.write_bytes(gzip.decompress(VALGRIND.read_bytes()))
            first_pages(whole, real / "valgrind-manual-100.pdf")
            folders.append(("Valgrind manual, first 100 pages", real))
        for label, folder in folders:
            off = index_seconds(folder, tables=False)
            on = index_seconds(folder, tables=True)
            print(f"{label}: without tables {off['wall']:.1f}s ({off['chunks']} chunks), with tables "
                  f"{on['wall']:.1f}s ({on['chunks']} chunks): {on['wall'] / off['wall']:.2f}x (target <= 1.5)")
            rows.append([label, f"{off['wall']:.1f}", f"{on['wall']:.1f}", f"{on['wall'] / off['wall']:.2f}x"])
    return rows


def answers() -> list[list[object]]:
    rows: list[list[object]] = []
    keys = ("evidence_hit", "answer_hit", "supported_rate", "supported_but_wrong", "abstained_on_unanswerable",
            "abstained_on_answerable")
    for name in ("heldout12", "heldout11", "heldout10", "heldout9", "heldout8", "heldout7", "heldout6", "heldout5", "heldout4", "heldout3",
                 "heldout2", "heldout", "dev"):
        folder = HERE / "tables" / name
        if not (folder / "docs").exists():
            subprocess.run([sys.executable, str(folder / "make.py")], check=True)
        with tempfile.TemporaryDirectory() as home:
            models = Path(os.environ.get("LOCALRAG_HOME", Path.home() / ".local/share/localrag")) / "models"
            if models.exists():
                (Path(home) / "models").symlink_to(models, target_is_directory=True)
            out = subprocess.run([sys.executable, "-m", "localrag", "eval", "--answer-set", str(folder), "--json"],
                                 env=dict(os.environ, LOCALRAG_HOME=home), capture_output=True, text=True, check=True)
        f = json.loads(out.stdout)["figures"]
        print(f"{name}: {f['questions']} questions ({f['unanswerable']} unanswerable): "
              + ", ".join(f"{k} {f[k]}" for k in keys))
        rows.append([name, f["questions"], f["unanswerable"], *(f[k] for k in keys)])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-answers", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from figures import write_figures

    command = "bench/tables.py " + " ".join(sys.argv[1:])
    if not args.skip_speed:
        write_figures("tables-speed", "Indexing with tables read, against without", [
            "document", "without tables s", "with tables s", "ratio (target <= 1.5x)"], speed(), command=command)
    if not args.skip_answers:
        write_figures("tables-answers", "Table answers on the table sets (bundled Gemma, verifier off)", [
            "set", "questions", "unanswerable", "evidence hit", "answer hit", "supported", "supported but wrong",
            "declined unanswerable", "declined answerable"], answers(),
            notes=["heldout to heldout12 were each written after the change before it and committed before their "
                   "first run; these are the figures of the code as it is now, not of those first runs."],
            command=command)


if __name__ == "__main__":
    main()
