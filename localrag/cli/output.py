"""What the command line prints: plain lines made safe for a terminal, and the progress bars
(drawn on stderr, only on a terminal where they vanish when done)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from localrag.service.streams import Io

if TYPE_CHECKING:  # rich and the indexer: imported where used, so `search` starts fast
    from rich.progress import Progress, TaskID

    from localrag.answering.compose import Answer
    from localrag.indexing.indexer import IndexStats
    from localrag.indexing.indexer import Progress as IndexProgress


UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """Untrusted text (file names, document text, model output) made inert for a terminal."""
    return UNSAFE.sub("\ufffd", text.encode("utf-8", "replace").decode("utf-8"))


def echo(io: Io, text: str = "", *, err: bool = False) -> None:
    """One plain line: never wrapped or styled, so scripts can read it."""
    io.echo(safe(text), stderr=err)


def bar_options(io: Io) -> dict[str, Any]:
    """A progress bar on the command's own stderr console. Only a process's own streams are
    redirected while it draws (so a line printed meanwhile goes above it); a served command's
    streams are its client's, and the process-wide ones are never swapped."""
    return {"console": io.console(stderr=True), "redirect_stdout": io.own_process, "redirect_stderr": io.own_process}


def on_terminal(io: Io) -> bool:
    """Whether the command's stderr is a terminal. A bar that vanishes when done is drawn only
    there: elsewhere (a pipe, a log) rich would leave a blank line behind it."""
    return io.console(stderr=True).is_terminal


class ModelBar:
    """Progress for putting the bundled models together on first use."""

    def __init__(self, io: Io, verb: str = "preparing") -> None:
        self.io = io
        self.verb = verb
        self.bar: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, label: str, done: int, total: int) -> None:
        if self.bar is None:
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

            self.bar = Progress(TextColumn(self.verb + " {task.description}"), BarColumn(), DownloadColumn(), transient=False,
                                **bar_options(self.io))
            self.bar.start()
        if label not in self.tasks:
            self.tasks[label] = self.bar.add_task(label, total=total)
        self.bar.update(self.tasks[label], completed=done)
        if all(t.finished for t in self.bar.tasks):
            self.bar.stop()
            self.bar = None
            self.tasks.clear()


class IndexBar:
    def __init__(self, enabled: bool, io: Io):
        self.enabled = enabled and on_terminal(io)
        self.io = io
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> IndexBar:
        if self.enabled:
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

            self.bar = Progress(BarColumn(), TaskProgressColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                transient=True, **bar_options(self.io))
            self.bar.start()
            self.task = self.bar.add_task("keywords", total=None)
        return self

    def __call__(self, p: IndexProgress) -> None:
        """Keywords first (files read: searchable by words), then meaning (texts embedded)."""
        if self.bar is not None and self.task is not None:
            from localrag.indexing.indexer import describe

            done, total = p.done_total
            self.bar.update(self.task, completed=done, total=total or None, description=describe(p))

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def print_index(io: Io, s: IndexStats) -> None:
    for c in s.changes[:50]:
        echo(io, str(c))
    if len(s.changes) + s.more_changes > 50:
        echo(io, f"... and {len(s.changes) + s.more_changes - 50} more changes")
    for f in s.missing_folders:
        echo(io, f"! folder not found (unmounted or deleted?), its index is kept: {f}", err=True)
    for u in s.unreadable[:20]:
        echo(io, f"! skipped {u}", err=True)
    if s.stale:
        echo(io, f"! kept {s.stale} indexed files from folders that could not be read (marked stale until they read again)", err=True)
    if s.interrupted:
        echo(io, "Interrupted: finished files are saved; run `localrag index` to continue.", err=True)
        return
    if s.chunks_embedded == 0 and not (s.added or s.updated or s.removed or s.moved):
        echo(io, f"Index up to date: {s.scanned} files checked, nothing to embed.")
        return
    rate = f", {s.chunks_embedded / s.embed_seconds:.1f} chunks/s" if s.embed_seconds else ""
    echo(io, f"Indexed in {s.seconds:.1f}s: {s.added} added, {s.updated} changed, {s.moved} moved, {s.removed} removed, "
          f"{s.unchanged} unchanged, {s.failed} failed; {s.chunks_embedded} chunks embedded, "
          f"{s.chunks_reused} reused{rate}.")


def snippet(text: str, n: int = 240) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "\u2026"


def print_sources(io: Io, ans: Answer) -> None:
    """Where each quote of a whole-document answer is (its text is in the answer above)."""
    if ans.unsupported:
        echo(io, "\nNot backed by the quotes, so not shown: " + safe("; ".join(ans.unsupported)))
    if ans.evidence:
        echo(io, "\nSources (verbatim quotes above):")
        for q in ans.evidence:
            echo(io, f"[{q.n}] {safe(q.location())}")


class QueryBar:
    """Progress of an evaluation: one bar per mode."""

    def __init__(self, enabled: bool, io: Io):
        from rich.progress import BarColumn, Progress, TextColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                            transient=True, **bar_options(io)) if enabled and on_terminal(io) else None
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> QueryBar:
        if self.bar:
            self.bar.start()
        return self

    def __call__(self, label: str, done: int, total: int) -> None:
        if not self.bar:
            return
        if label not in self.tasks:
            self.tasks[label] = self.bar.add_task(label, total=total or None)
        self.bar.update(self.tasks[label], completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()


ANSWER_FIGURES = (  # key, label, what it means
    ("passage_hit", "passage hit", "a retrieved passage holds a gold answer"),
    ("evidence_hit", "evidence hit", "a quote holds a gold answer"),
    ("answer_hit", "answer hit", "a gold answer inside the answer"),
    ("answer_f1", "short answer F1", "token F1 of the short answer against the gold answers"),
    ("citation_hit", "citation hit", "a cited passage holds a gold answer"),
    ("citation_precision", "citation precision", "cited passages holding a gold answer"),
    ("supported_rate", "supported", "answers shown as backed by their quotes"),
    ("supported_precision", "supported precision", "supported answers that are right"),
    ("supported_but_wrong", "supported but wrong", "supported yet no gold answer, or on an unanswerable"),
    ("supported_but_absent_from_quotes", "supported, words not in quotes", "must be 0"),
    ("abstained_on_unanswerable", "abstained, unanswerable", "said the files do not answer"),
    ("abstained_on_answerable", "abstained, answerable", "wrongly said so"),
    ("p50_seconds", "seconds per question (p50)", ""),
)


def print_answer_figures(io: Io, m: dict) -> None:
    for key, label, means in ANSWER_FIGURES:
        if key in m:
            echo(io, f"  {label:<32}{m[key]:>8}" + (f"   {means}" if means else ""))


def print_summary_figures(io: Io, m: dict) -> None:
    if not m.get("summaries"):
        echo(io, "no article had answerable questions to measure a summary by")
        return
    echo(io, f"{m['summaries']} summaries of {m['words_budget']} words at most (each article by name and in scope)")
    for key, label, means in (
            ("coverage", "question coverage", "questions whose gold answer the summary holds"),
            ("opening_coverage", "opening's coverage", "the same, for the article's first words"),
            ("coverage_ratio", "ratio", "at least 1: better than the opening"),
            ("articles_at_or_above_opening", "at or above the opening", "share of summaries"),
            ("all_quotes_verbatim", "all quotes verbatim", "every quote is text of its file"),
            ("most_words", "most words", "in one summary's quotes"),
            ("p50_seconds", "seconds per summary (p50)", "")):
        echo(io, f"  {label:<28}{m[key]!s:>8}" + (f"   {means}" if means else ""))

