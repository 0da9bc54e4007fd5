"""Keyword search on FTS5: BM25 over the chunks' text and headings, with the index's own Porter
stems, and MaxScore for queries whose common words match most of a big index."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING

import apsw

from localrag.store.connection import Connection, Part

if TYPE_CHECKING:  # a scope is read here (its SQL and parameters), never made
    from localrag.store.scope import Scope

SPLIT_ROWS = 20_000  # fewer matching rows than this: one keyword query is fast enough
SPLIT_SHARE = 0.25  # split off common words only when they hold at least this share of the matches
SPLIT_GUESS = 0.75  # the k-th best score, guessed as this share of the bound of the word that fills k rows


def _any(words: Sequence[str]) -> str:
    """An FTS5 OR of quoted words: text never reaches FTS5 as syntax."""
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


def _bound(rows: int, total: int) -> float:
    """The most one word adds to FTS5's bm25 (k1 = 1.2): (k1 + 1) x its IDF, as bm25 takes it."""
    idf = math.log((total - rows + 0.5) / (rows + 0.5)) if total else 0.0
    return 2.2 * (idf if idf > 0 else 1e-6)


class Keywords(Part):
    def __init__(self, conn: Connection):
        super().__init__(conn)
        # document frequencies by index generation: plain data, shared by every thread's connection
        self._df: tuple[str, dict[str, int], int] | None = None
        self._df_lock = threading.Lock()

    def keyword_search(self, words: Sequence[str], k: int, scope: Scope | None = None,
                       pool: Executor | None = None) -> list[tuple[int, float]]:
        """(chunk id, BM25 score with higher = better), best first, for rows holding any of
        ``words``; only from ``scope`` if given.

        FTS5 scores every row that holds a word, so at a million chunks most of a query's time
        goes to its commonest words (bench/query.py prints the figures). So when common words would cost
        most, the same top k (bit for bit) comes from cheaper queries (MaxScore): the rows with
        a rarer word, scored by the rarer words; the rows with both, scored by all (on ``pool``
        meanwhile, if given: its own connection, so a write committed in between may be seen
        by one query and not the other); and, only when the k-th best so far does not beat
        what common words alone can score (``_bound``), the rows with only common words.
        """
        if isinstance(words, str):
            raise TypeError("keyword_search takes a list of words, not a string")
        words = [w for w in dict.fromkeys(words) if w]
        if not words or k <= 0:
            return []
        with self.transaction_read():  # the word counts and the queries here from one snapshot
            common, rare, bound = self._split_words(words, k)
            if not common:
                return self.bm25(_any(rare), k, scope)
            both = f"({_any(common)}) AND ({_any(rare)})"
            pending = pool.submit(self._bm25_snapshot, both, k, scope) if pool else None
            found = dict(self.bm25(_any(rare), k, scope))
            found.update(pending.result() if pending else self.bm25(both, k, scope))
            top = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
            if len(top) == k and top[-1][1] > bound:
                return top
            # a row with common words only may still rank
            found.update(self.bm25(f"({_any(common)}) NOT ({_any(rare)})", k, scope))
            return sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:k]

    def _bm25_snapshot(self, expression: str, k: int, scope: Scope | None) -> list[tuple[int, float]]:
        with self.transaction_read():
            return self.bm25(expression, k, scope)

    def bm25(self, expression: str, k: int, scope: Scope | None) -> list[tuple[int, float]]:
        if scope:  # the matches are filtered as they come (a rowid list would make FTS5 look each one up),
            # each by the small (id, doc_id) index; "+" keeps SQLite from probing it per document
            rows = self.db.execute(
                "SELECT chunks_fts.rowid, bm25(chunks_fts, 1.0, 0.5) AS s FROM chunks_fts CROSS JOIN chunks c"
                " INDEXED BY chunks_id_doc ON c.id = chunks_fts.rowid WHERE chunks_fts MATCH ?"
                f" AND +c.doc_id IN (SELECT d.id FROM documents d WHERE {scope.sql}) ORDER BY s, 1 LIMIT ?",
                (expression, *scope.params, k)).fetchall()
        else:
            rows = self.db.execute(
                "SELECT rowid, bm25(chunks_fts, 1.0, 0.5) AS s FROM chunks_fts WHERE chunks_fts MATCH ?"
                " ORDER BY s, rowid LIMIT ?", (expression, k)).fetchall()
        return [(int(r), -float(s)) for r, s in rows]  # type: ignore[arg-type]  # rowid and bm25: numbers

    def _split_words(self, words: list[str], k: int) -> tuple[list[str], list[str], float]:
        """(common, rare, bound): ``words`` by how many rows hold each, commonest first, so every
        query sums their scores in one order. ``common`` is empty when splitting would not pay;
        ``bound`` is the most a row holding only common words can score."""
        stems = {w: self.stems(w) for w in words}
        df, n = self.document_frequencies({s for ss in stems.values() for s in ss})
        rows = {w: min((df.get(s, 0) for s in stems[w]), default=0) for w in words}
        ordered = sorted(words, key=lambda w: -rows[w])
        total = sum(rows.values())
        if total < SPLIT_ROWS or len(words) < 2:
            return [], ordered, 0.0
        ub = {w: _bound(rows[w], n) for w in words}
        held = 0  # the k-th best row holds, at least, one of the rarest words up to this one
        for w in reversed(ordered):
            held += rows[w]
            if held >= k:
                break
        guess = SPLIT_GUESS * ub[w]  # about the k-th best score
        common: list[str] = []
        bound = 0.0
        for w in ordered[:-1]:  # one word at least stays rare
            if len(stems[w]) != 1 or bound + ub[w] >= guess:
                break  # a phrase's rows are not its words' rows: never common
            common.append(w)
            bound += ub[w]
        if sum(rows[w] for w in common) < SPLIT_SHARE * total:
            return [], ordered, 0.0
        return common, ordered[len(common):], bound * (1 + 1e-9)

    def stems(self, text: str) -> list[str]:
        """The words of ``text`` as the keyword index holds them (its own Porter tokenizer)."""
        return list(self.conn.tokenizer(text.encode("utf-8", "replace"), apsw.FTS5_TOKENIZE_DOCUMENT, None,
                                   include_offsets=False, include_colocated=False))

    def document_frequencies(self, stems: Iterable[str]) -> tuple[dict[str, int], int]:
        """How many chunks hold each stem, and how many chunks there are (for IDF). Kept per
        index generation, for every thread: a long-lived process looks each word up once."""
        gen = self.meta("generation") or "0"
        with self._df_lock:
            cache = self._df
            if cache is None or cache[0] != gen:
                cache = self._df = (gen, {}, int(self.scalar("SELECT count(*) FROM chunks")))
        known: dict[str, int] = dict(cache[1])
        found: dict[str, int] = {}
        for t in set(stems) - known.keys():
            row = self.db.execute("SELECT doc FROM temp.chunks_vocab WHERE term = ?", (t,)).fetchone()
            found[t] = int(row[0]) if row else 0  # type: ignore[arg-type]
        if found:
            with self._df_lock:
                cache[1].update(found)
            known.update(found)
        return known, cache[2]
