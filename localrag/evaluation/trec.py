"""TREC collections (documents, topics, qrels) as benchmarks: read as streams, written one file
per document so that a judgment on a document id names one file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from localrag.errors import LocalragError
from localrag.evaluation.queries import Query

_DOC = re.compile(r"<DOC>(.*?)</DOC>", re.S | re.I)
_DOCNO = re.compile(r"<DOCNO>\s*(.*?)\s*</DOCNO>", re.S | re.I)
_TOP = re.compile(r"<top>(.*?)</top>", re.S | re.I)
_NUM = re.compile(r"<num>\s*(?:Number:)?\s*(\S+?)\s*(?:</num>|\n|<)", re.S | re.I)
_TITLE = re.compile(r"<title>\s*(?:Topic:)?(.*?)(?:</title>|<desc>|<narr>|$)", re.S | re.I)


@dataclass
class TrecCollection:
    docs_file: Path
    topics_file: Path
    qrels_file: Path

    def docs(self) -> Iterator[tuple[str, str]]:
        """(docno, text) pairs, read as a stream: collections can be large."""
        buf = ""
        with open(self.docs_file, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                buf += line
                if "</DOC>" in line.upper():
                    m = _DOC.search(buf)
                    if m:
                        body = m.group(1)
                        no = _DOCNO.search(body)
                        if no:
                            yield no.group(1), _DOCNO.sub("", body).strip()
                    buf = ""

    def queries(self) -> list[Query]:
        text = self.topics_file.read_text(encoding="utf-8", errors="replace")
        qrels: dict[str, dict[str, int]] = {}
        for line in self.qrels_file.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 4:
                qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
        out = []
        for m in _TOP.finditer(text):
            num, title = _NUM.search(m.group(1)), _TITLE.search(m.group(1))
            if num and title:
                qid = num.group(1)
                out.append(Query(qid, " ".join(title.group(1).split()).lower(), qrels.get(qid, {})))
        return out


def find_trec(directory: str | Path) -> TrecCollection:
    d = Path(directory)
    if not d.is_dir():
        raise LocalragError(f"not a folder: {d}")
    docs = topics = qrels = None
    for f in sorted(d.iterdir()):
        if not f.is_file():
            continue
        if "qrel" in f.name.lower():
            qrels = f
            continue
        with open(f, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096).lower()
        if "<doc>" in head and docs is None:
            docs = f
        elif "<top>" in head and topics is None:
            topics = f
    missing = [n for n, v in (("documents (<DOC>)", docs), ("topics (<top>)", topics), ("qrels", qrels)) if v is None]
    if missing:
        raise LocalragError(f"{d} is not a TREC collection: no {', '.join(missing)} file found")
    return TrecCollection(docs, topics, qrels)  # type: ignore[arg-type]


def write_trec_docs(col: TrecCollection, folder: Path, keep: set[str] | None = None) -> int:
    """One file per TREC document, named by its id, so a judgment on a doc id names one file."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for docno, text in col.docs():
        if keep is not None and docno not in keep:
            continue
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", docno)
        (folder / f"{safe}.txt").write_text(text + "\n", encoding="utf-8")
        n += 1
    return n
