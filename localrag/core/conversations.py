"""``rag.conversations``: questions asked with the exchange so far, kept, listed and exported."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from localrag.core.library import Library
from localrag.core.runtime import Runtime
from localrag.errors import LocalragError
from localrag.search.retrieve import Result
from localrag.store.scope import Scope

if TYPE_CHECKING:
    from localrag.answering.compose import Answer


@dataclass
class Conversation:
    """A whole conversation with its answers, quotes and sources, as it is exported."""
    id: int
    title: str
    created_at: float
    updated_at: float
    origin: str
    messages: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "created_at": self.created_at, "updated_at": self.updated_at,
                "origin": self.origin, "messages": self.messages}


@dataclass
class Exchange:
    """One question and its answer, with the sources shown for it (numbered as cited) and whether
    they are verbatim quotes."""
    question: str
    answer: str
    sources: list[tuple[int, Result]]
    quoted: bool


class Conversations:
    def __init__(self, rt: Runtime, library: Library):
        self._rt = rt
        self._library = library

    def recent(self, limit: int = 200) -> list[tuple[int, str, float]]:
        """(id, title, last used) of the newest conversations."""
        return self._rt.store.history.conversations(limit)

    def latest(self, origin: str | None = None) -> int | None:
        """The most recently used conversation (of ``origin`` only, if given), for ``--continue``."""
        rows = self._rt.store.history.conversations(1, origin)
        return rows[0][0] if rows else None

    def history(self, conversation_id: int | None) -> list[tuple[str, str]]:
        """Earlier (question, answer) pairs, for follow-up questions."""
        if not conversation_id:
            return []
        return [(q, a) for q, a, _ in self._rt.store.history.messages(conversation_id)]

    def ask(self, conversation_id: int | None, question: str, on_text: Callable[[str], None] | None = None,
            cancel: threading.Event | None = None, k: int | None = None, mode: str | None = None,
            scope: Scope | None = None, origin: str = "tui", words: int | None = None) -> tuple[int, Answer]:
        """Ask with the conversation so far, and keep the exchange (a new conversation if None)."""
        hist = self._rt.store.history
        if conversation_id is not None and hist.conversation(conversation_id) is None:
            raise LocalragError(f"no conversation {conversation_id}: `localrag conversations` lists them")
        ans = self._library.ask(question, k, on_text=on_text, history=self.history(conversation_id), cancel=cancel,
                                mode=mode, scope=scope, words=words)
        if conversation_id is None:
            conversation_id = hist.new_conversation(question, origin)
        saved = [dict(q.to_json(), text=q.text, heading=q.result.heading, cited=True) for q in ans.evidence]
        details = {"answer_kind": ans.kind, "question_kind": ans.question_kind, "documents": ans.documents,
                   "supported": ans.supported, "unsupported": ans.unsupported,
                   "scope": scope.to_json() if scope else None}
        hist.add_message(conversation_id, question, ans.text,
                         json.dumps(saved or [r.to_json() for r in ans.nearest]), json.dumps(details))
        return conversation_id, ans

    def get(self, conversation_id: int | None = None) -> Conversation:
        """A whole conversation (None: the latest)."""
        cid = conversation_id if conversation_id is not None else self.latest()
        if cid is None:
            raise LocalragError("no conversations yet: ask a question first")
        head = self._rt.store.history.conversation(cid)
        if head is None:
            raise LocalragError(f"no conversation {cid}: `localrag conversations` lists them")
        title, created, updated, origin = head
        messages = []
        for q, a, sources, details, at in self._rt.store.history.message_rows(cid):
            messages.append({"question": q, "answer": a, "asked_at": at, **_loads(details, {}),
                             "sources": _loads(sources, [])})
        return Conversation(cid, title, created, updated, origin, messages)

    def export(self, conversation_id: int | None, path: str | None = None,
               fmt: str | None = None) -> tuple[str, str | None]:
        """A conversation as Markdown or JSON text, written to ``path`` if given (whole or not at
        all); returns (text, absolute path written or None)."""
        from localrag.answering.export import format_for, render, write_atomic

        text = render(self.get(conversation_id).to_json(), fmt or format_for(path))
        return text, write_atomic(path, text) if path else None

    def exchanges(self, conversation_id: int) -> list[Exchange]:
        """A conversation's exchanges, oldest first, from the stored citations (an answer's
        quotes, or the nearest passages)."""
        out = []
        for q, a, cits in self._rt.store.history.messages(conversation_id):
            saved = [c for c in _loads(cits, []) if isinstance(c, dict) and "path" in c]
            shown = [c for c in saved if c.get("cited")] or saved
            sources = [(int(c.get("n", 0)), Result(c.get("chunk_id", 0), c["path"], 0.0, c.get("text", ""),
                                                   c.get("heading", ""), c.get("page"), c.get("start_line"),
                                                   c.get("end_line"))) for c in shown]
            out.append(Exchange(q, a, sources, any("quote" in c for c in shown)))
        return out


def _loads(text: str, default: object) -> Any:
    """Stored JSON, or ``default`` if a row was hand-edited into something else."""
    try:
        return json.loads(text)
    except ValueError:
        return default
