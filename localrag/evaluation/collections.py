"""Collections measured in an index of their own (a TREC set, SQuAD articles, an answer set),
built in a temporary folder (or one kept for re-use) and deleted afterwards."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from localrag.config import Paths, Settings
from localrag.core import Localrag
from localrag.models.bundled import ByteProgress

if TYPE_CHECKING:
    from localrag.evaluation.answerset import AnswerSet
    from localrag.evaluation.queries import Query
    from localrag.evaluation.squad import SquadSet
    from localrag.indexing.indexer import ProgressFn


@contextmanager
def collection(write_docs: Callable[[Path], object], settings: Settings, paths: Paths,
               index_dir: str | None = None, progress: ProgressFn | None = None,
               model_progress: ByteProgress | None = None) -> Iterator[Localrag]:
    """A collection's documents (written by ``write_docs`` into a folder) in an index of their
    own, deleted afterwards, also on Ctrl-C; kept and re-used in ``index_dir`` when given
    (embedding a collection takes minutes)."""
    tmp = None
    if index_dir:
        root = Path(index_dir).expanduser().resolve()
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="localrag-eval-")
        root = Path(tmp.name)
    try:
        docs = root / "docs"
        if not docs.exists():  # written aside, then renamed: an interrupted run never leaves half a collection
            partial = root / "docs.partial"
            shutil.rmtree(partial, ignore_errors=True)
            write_docs(partial)
            partial.rename(docs)
        app = Localrag(Paths(root / "home", root / "home", models_override=paths.models_dir), settings,
                       model_progress=model_progress)
        try:
            if not app.index.folders():
                app.index.add([str(docs)])
            app.index.update(progress)
            yield app
        finally:
            app.close()
    finally:
        if tmp is not None:
            tmp.cleanup()


@contextmanager
def trec_collection(directory: str, settings: Settings, paths: Paths, index_dir: str | None = None,
                    progress: ProgressFn | None = None,
                    model_progress: ByteProgress | None = None) -> Iterator[tuple[Localrag, list[Query]]]:
    """A TREC collection in its own index (one file per doc id), with its topics as queries."""
    from localrag.evaluation.trec import find_trec, write_trec_docs

    col = find_trec(directory)
    queries = col.queries()
    with collection(lambda folder: write_trec_docs(col, folder), settings, paths, index_dir, progress,
                        model_progress) as app:
        yield app, queries


@contextmanager
def squad_collection(path: str, settings: Settings, paths: Paths, index_dir: str | None = None,
                     progress: ProgressFn | None = None,
                     model_progress: ByteProgress | None = None) -> Iterator[tuple[Localrag, SquadSet]]:
    """A SQuAD file's articles in an index of their own (one file an article)."""
    from localrag.evaluation.squad import load_squad

    data = load_squad(path)
    with collection(data.write, settings, paths, index_dir, progress, model_progress) as app:
        yield app, data


@contextmanager
def answer_set_collection(path: str, settings: Settings, paths: Paths, index_dir: str | None = None,
                          progress: ProgressFn | None = None,
                          model_progress: ByteProgress | None = None) -> Iterator[tuple[Localrag, AnswerSet]]:
    """An answer set's documents (``questions.toml`` beside ``docs/``) in an index of their own."""
    from localrag.evaluation.answerset import load_answer_set

    data = load_answer_set(path)
    with collection(data.write, settings, paths, index_dir, progress, model_progress) as app:
        yield app, data
