"""Conversations, feedback on sources, and the adapters `tune` adopted: what people did, kept
apart from what search reads (writing them never changes the index's generation)."""

from __future__ import annotations

import time

from localrag.store.connection import Part
from localrag.store.rows import AdapterRow, FeedbackRow


class History(Part):
    # ---- conversations and feedback -----------------------------------------------------------------
    def new_conversation(self, title: str, origin: str = "tui") -> int:
        now = time.time()
        with self.transaction(changes_search=False):
            self.db.execute("INSERT INTO conversations(title, created_at, updated_at, origin) VALUES (?,?,?,?)",
                            (title[:120], now, now, origin))
            return int(self.db.last_insert_rowid())

    def conversations(self, limit: int = 200, origin: str | None = None) -> list[tuple[int, str, float]]:
        where, params = ("WHERE origin = ?", (origin,)) if origin else ("", ())
        return [(int(i), t, u) for i, t, u in self.db.execute(
            f"SELECT id, title, updated_at FROM conversations {where} ORDER BY updated_at DESC, id DESC LIMIT ?",
            (*params, limit))]

    def conversation(self, conversation_id: int) -> tuple[str, float, float, str] | None:
        """(title, created, updated, origin), or None when there is no such conversation."""
        row = self.db.execute("SELECT title, created_at, updated_at, origin FROM conversations WHERE id=?",
                              (conversation_id,)).fetchone()
        return (str(row[0]), float(row[1]), float(row[2]), str(row[3])) if row else None  # type: ignore[arg-type]

    def add_message(self, conversation_id: int, question: str, answer: str, citations_json: str,
                    details_json: str = "{}") -> None:
        now = time.time()
        with self.transaction(changes_search=False):
            self.db.execute("INSERT INTO messages(conversation_id, question, answer, citations, created_at, details)"
                            " VALUES (?,?,?,?,?,?)", (conversation_id, question, answer, citations_json, now, details_json))
            self.db.execute("UPDATE conversations SET updated_at=? WHERE id=?", (now, conversation_id))

    def messages(self, conversation_id: int) -> list[tuple[str, str, str]]:
        return [(q, a, c) for q, a, c in self.db.execute(
            "SELECT question, answer, citations FROM messages WHERE conversation_id=? ORDER BY id", (conversation_id,))]

    def message_rows(self, conversation_id: int) -> list[tuple[str, str, str, str, float]]:
        """(question, answer, sources JSON, details JSON, time) of a conversation, oldest first."""
        return [(q, a, c, d, t) for q, a, c, d, t in self.db.execute(
            "SELECT question, answer, citations, details, created_at FROM messages WHERE conversation_id=? ORDER BY id",
            (conversation_id,))]

    def add_feedback(self, query: str, path: str, chunk_id: int | None, helpful: bool) -> None:
        with self.transaction(changes_search=False):
            row = self.db.execute("SELECT hash FROM chunks WHERE id=?", (chunk_id,)).fetchone() if chunk_id else None
            self.db.execute("INSERT INTO feedback(query, path, chunk_id, chunk_hash, helpful, created_at)"
                            " VALUES (?,?,?,?,?,?)", (query, path, chunk_id, row[0] if row else None, int(helpful),
                                                       time.time()))

    # ---- adapters ---------------------------------------------------------------------------------
    def feedback(self) -> list[FeedbackRow]:
        """Every verdict recorded, oldest first."""
        return [FeedbackRow(str(q), str(p), int(c) if c else None, bool(h)) for q, p, c, h in self.db.execute(
            "SELECT query, path, chunk_id, helpful FROM feedback ORDER BY id")]

    def save_adapter(self, fingerprint: str, u: bytes, v: bytes, dim: int, rank: int, report: str,
                     active: bool, levers: str | None = None) -> int:
        """What a `tune` run made: an adapter (rank 0: none) and retrieval settings, active if adopted."""
        with self.transaction(changes_search=False):
            if active:
                self.db.execute("UPDATE adapters SET active=0")
            self.db.execute("INSERT INTO adapters(created_at, fingerprint, dim, rank, u, v, report, active, levers)"
                            " VALUES (?,?,?,?,?,?,?,?,?)", (time.time(), fingerprint, dim, rank, u, v, report,
                                                            int(active), levers))
            return int(self.db.last_insert_rowid())

    def active_adapter(self) -> AdapterRow | None:
        row = self.db.execute("SELECT id, fingerprint, u, v, dim, rank, report, created_at, levers FROM adapters"
                              " WHERE active=1").fetchone()
        return AdapterRow(*row) if row else None  # type: ignore[arg-type]  # the columns' types, as stored

    def deactivate_adapters(self) -> int:
        with self.transaction(changes_search=False):
            self.db.execute("UPDATE adapters SET active=0 WHERE active=1")
            return int(self.db.changes())
