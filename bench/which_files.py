"""Recall and precision of "which files mention W", on a folder made for it.

    .venv/bin/python bench/which_files.py [--index-dir DIR] [--words N]

The folder: every paragraph of the shared SQuAD articles as a file of its own (about 700),
in four forms in turn (Markdown, plain text in UTF-8, plain text in Latin-1 where it can be,
and PDF), plus the project's answer-set documents. The probes: words that name something
(capitalised inside a sentence) held by 1 to 30 files, drawn with a fixed seed. A file holds W
when its text has W as a whole word, case and accents aside; each probe is asked as a person
would ("Which files mention W?") through `rag.library.ask`, and the files it lists by their words
are compared with those that hold W. Files it lists only as close in meaning are counted apart.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "datasets" / "squad-train10" / "train-v2.0-10-articles.json"
_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]{3,}\b")


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def write_folder(folder: Path) -> dict[str, str]:
    """The files, and each one's text as written (for the ground truth)."""
    from fpdf import FPDF

    from localrag.evaluation.squad import load_squad
    from localrag.indexing.parse.base import decode

    data = load_squad(SQUAD)
    texts: dict[str, str] = {}
    n = 0
    for title, paras in data.articles:
        for para in paras:
            text = " ".join(para.split())
            form = n % 4
            stem = f"{re.sub(r'[^A-Za-z0-9]', '_', title)[:40]}-{n:04d}"
            if form == 0:
                path = folder / f"{stem}.md"
                path.write_text(f"# {title.replace('_', ' ')}\n\n{text}\n", encoding="utf-8")
                texts[str(path)] = f"{title.replace('_', ' ')} {text}"
            elif form == 1:
                path = folder / f"{stem}.txt"
                path.write_text(text + "\n", encoding="utf-8")
                texts[str(path)] = text
            elif form == 2:
                path = folder / f"{stem}-latin1.txt"
                try:
                    path.write_bytes((text + "\n").encode("latin-1"))
                except UnicodeEncodeError:
                    path.write_text(text + "\n", encoding="utf-8")
                texts[str(path)] = text
            else:
                path = folder / f"{stem}.pdf"
                pdf = FPDF()
                pdf.add_page()
                pdf.set_font("helvetica", size=11)
                safe = text.encode("latin-1", "replace").decode("latin-1")
                pdf.multi_cell(0, 6, safe)
                pdf.output(str(path))
                texts[str(path)] = safe
            n += 1
    for f in (ROOT / "tests" / "answerset" / "docs").iterdir():
        shutil.copy(f, folder / f.name)
        if f.suffix in (".md", ".txt", ".py", ".csv"):  # in their own encodings (one is Latin-1)
            texts[str(folder / f.name)] = decode(f.read_bytes())
    return texts


def holders(word: str, texts: dict[str, str]) -> set[str]:
    pat = re.compile(rf"(?<!\w){re.escape(fold(word))}(?!\w)")
    return {p for p, t in texts.items() if pat.search(fold(t))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir", help="keep the folder and its index here between runs")
    ap.add_argument("--words", type=int, default=60, help="probe words")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    root = Path(args.index_dir or tempfile.mkdtemp(prefix="localrag-bench-which-")).resolve()
    folder, home = root / "files", root / "home"
    from localrag.config import Paths, Settings, get_paths
    from localrag.core import Localrag

    truth_file = root / "texts.json"
    if not folder.exists():
        partial = root / "files.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        written = write_folder(partial)
        truth_file.write_text(json.dumps({Path(p).name: t for p, t in written.items()}), encoding="utf-8")
        partial.rename(folder)
    texts = {str(folder / name): t for name, t in json.loads(truth_file.read_text(encoding="utf-8")).items()}
    home.mkdir(exist_ok=True)
    if not (home / "models").exists():
        (home / "models").symlink_to(get_paths().models_dir, target_is_directory=True)
    app = Localrag(Paths(home, home), Settings())
    if not app.index.folders():
        app.index.add([str(folder)])
    t = time.perf_counter()
    app.index.update()
    print(f"{len(list(folder.iterdir()))} files indexed in {time.perf_counter() - t:.0f} s")
    app.resident.keep_vectors_in_memory()
    words = sorted({m.group(0) for t in texts.values() for m in _NAME.finditer(t)})
    random.Random(args.seed).shuffle(words)
    probes = [(w, h) for w in words if 1 <= len(h := holders(w, texts)) <= 30][: args.words]
    recalls, precisions, meaning, secs, missed = [], [], [], [], []
    for w, truth in probes:
        t = time.perf_counter()
        ans = app.library.ask(f"Which files mention {w}?")
        secs.append(time.perf_counter() - t)
        by_words = {f["path"] for f in ans.files if f["found_by"] == "words"}
        meaning.append(sum(f["found_by"] == "meaning" for f in ans.files))
        hit = len(by_words & truth)
        recalls.append(hit / len(truth))
        precisions.append(hit / len(by_words) if by_words else 0.0)
        if truth - by_words:
            missed.append((w, sorted(Path(p).name for p in truth - by_words)[:3]))
    app.close()
    print(f"{len(probes)} probe words, {statistics.mean(len(h) for _, h in probes):.1f} files holding each on average")
    print(f"  recall (files holding W that are listed)      {statistics.mean(recalls):.3f}  "
          f"(every file listed for {sum(r == 1 for r in recalls)} of {len(recalls)} words)")
    print(f"  precision (files listed that hold W)           {statistics.mean(precisions):.3f}")
    print(f"  files listed by meaning only, per question     {statistics.mean(meaning):.1f}")
    print(f"  seconds per question (p50)                     {statistics.median(secs):.2f}")
    for w, names in missed[:10]:
        print(f"  missed for {w!r}: {', '.join(names)}")


if __name__ == "__main__":
    main()
