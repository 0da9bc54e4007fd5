"""A folder of documents with questions and accepted answers (``questions.toml``), measured
the way a SQuAD file is: in an index of its own, asked as a user asks, scored on the same
figures. It is how a change to ranking or checking is tried on more than one kind of text."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from localrag.errors import LocalragError
from localrag.evaluation.squad import QA

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

QUESTIONS_FILE = "questions.toml"
DOCS_DIR = "docs"


@dataclass
class AnswerSet:
    docs: Path
    questions: list[QA]

    def write(self, folder: Path) -> None:
        shutil.copytree(self.docs, folder)


def load_answer_set(path: str | Path) -> AnswerSet:
    root = Path(path).expanduser()
    qfile, docs = root / QUESTIONS_FILE, root / DOCS_DIR
    if not qfile.is_file() or not docs.is_dir():
        raise LocalragError(f"{root} is not an answer set: it needs {QUESTIONS_FILE} and a {DOCS_DIR}/ folder")
    try:
        data = tomllib.loads(qfile.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise LocalragError(f"cannot read {qfile}: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise LocalragError(f"{qfile} is not valid TOML: {e}") from None
    out = []
    for i, q in enumerate(data.get("question", []), 1):
        if not isinstance(q, dict) or not isinstance(q.get("question"), str) or not isinstance(q.get("answers"), list):
            raise LocalragError(f"{qfile}: question {i} needs question = \"...\" and answers = [...]")
        out.append(QA(f"q{i}", q["question"], [str(a) for a in q["answers"]], str(q.get("file", ""))))
    if not out:
        raise LocalragError(f"{qfile} holds no [[question]] entries")
    return AnswerSet(docs, out)
