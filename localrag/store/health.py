"""Whether documents, chunks, keywords and vectors agree (`doctor`), repairs that keep intact
vectors, compaction, and the counts `status` shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import apsw

from localrag.store import codefile
from localrag.store.connection import Connection, Part
from localrag.store.documents import Documents
from localrag.store.vectors import Vectors

# what each of the store's checks means, and whether it can wait (harmless) or needs --repair
CHECKS: dict[str, tuple[str, str]] = {
    "keyword_index_ok": ("serious", "the keyword index disagrees with the chunks"),
    "chunks_without_vectors": ("harmless", "chunks wait for their vectors (harmless: searchable by keywords; "
                                           "`localrag index` embeds them)"),
    "vectors_without_rows": ("serious", "stray vectors belong to no text"),
    "rows_without_vectors": ("serious", "vector rows lost their vector"),
    "rows_without_codes": ("serious", "vectors miss their search codes (rebuilt by --repair without re-embedding)"),
    "unused_vectors": ("harmless", "vectors are no longer used (harmless, reclaimed by the next index)"),
    "chunk_counts_off": ("serious", "documents have a wrong chunk count"),
    "orphan_chunks": ("serious", "chunks belong to no document"),
    "documents_without_chunks": ("serious", "indexed files have no chunks"),
    "codes_file_damaged": ("harmless", "codes file beside the index is damaged (harmless: searches read the index; "
                                       "--repair removes it)"),
}


@dataclass
class Problem:
    check: str
    count: int
    severity: str  # "serious" (needs `doctor --repair`) or "harmless" (mends itself, or costs nothing)
    message: str


@dataclass
class DoctorReport:
    checks: dict
    problems: list[Problem]
    repaired: list[str]

    @property
    def serious(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "serious"]

    def to_json(self) -> dict:
        return {"checks": self.checks, "problems": [vars(p) for p in self.problems], "repaired": self.repaired}


class Health(Part):
    def __init__(self, conn: Connection, documents: Documents, vectors: Vectors):
        super().__init__(conn)
        self.documents = documents
        self.vectors = vectors
    # ---- health ---------------------------------------------------------------------------------
    def check(self) -> dict[str, int | str]:
        """Counts of every disagreement between documents, chunks, keywords and vectors."""
        def one(q: str) -> int:
            return int(self.scalar(q))

        integrity = self.scalar("PRAGMA integrity_check")
        try:
            self.db.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)")
            fts_ok = 1
        except apsw.Error:
            fts_ok = 0
        has_vec = self.db.execute("SELECT 1 FROM sqlite_master WHERE name='vec_bits'").fetchone() is not None
        vec_ids = {int(r[0]) for r in self.db.execute("SELECT rowid FROM vec_bits")} if has_vec else set()
        emb_ids = {int(r[0]) for r in self.db.execute("SELECT id FROM embeddings")}
        return {
            "integrity": integrity,
            "keyword_index_ok": fts_ok,
            "chunks_without_vectors": one("SELECT count(*) FROM chunks c WHERE NOT EXISTS "
                                          "(SELECT 1 FROM embeddings e WHERE e.hash = c.hash)"),
            "vectors_without_rows": len(vec_ids - emb_ids),
            "rows_without_vectors": one("SELECT count(*) FROM embeddings WHERE vector IS NULL"),
            "rows_without_codes": len(emb_ids - vec_ids) if has_vec else 0,
            "unused_vectors": one("SELECT count(*) FROM embeddings e WHERE NOT EXISTS "
                                  "(SELECT 1 FROM chunks c WHERE c.hash = e.hash)"),
            "chunk_counts_off": one("SELECT count(*) FROM documents d WHERE n_chunks <> "
                                    "(SELECT count(*) FROM chunks c WHERE c.doc_id = d.id)"),
            "orphan_chunks": one("SELECT count(*) FROM chunks c WHERE NOT EXISTS "
                                 "(SELECT 1 FROM documents d WHERE d.id = c.doc_id)"),
            "codes_file_damaged": int(codefile.damaged(self.vectors.codes_path)),
            # an indexed file always has chunks (an empty one is recorded as failed); size -1 marks
            # files already waiting to be re-read (after reindex or repair)
            "documents_without_chunks": one("SELECT count(*) FROM documents d WHERE status='ok' AND size >= 0 AND "
                                            "NOT EXISTS (SELECT 1 FROM chunks c WHERE c.doc_id = d.id)"),
        }

    def doctor(self, repair: bool = False) -> DoctorReport:
        """Every disagreement with its severity; ``repair`` mends them without re-embedding what is
        intact (the caller holds the writer lock)."""
        found = self.check()
        fixed = self.repair() if repair else []
        problems = []
        if found["integrity"] != "ok":
            problems.append(Problem("integrity", 1, "serious", f"SQLite integrity check: {found['integrity']}"))
        for key, (severity, text) in CHECKS.items():
            v = int(found[key])
            if key == "keyword_index_ok":
                if not v:
                    problems.append(Problem(key, 1, severity, text))
            elif v:
                problems.append(Problem(key, v, severity, f"{v} {text}"))
        return DoctorReport(found, problems, fixed)

    def repair(self) -> list[str]:
        """Fix what check() finds without re-embedding what is intact; documents whose vectors
        are lost are marked so the next index re-reads them (and embeds only what is missing)."""
        done: list[str] = []
        if codefile.damaged(self.vectors.codes_path):
            done.append("removed the damaged codes file beside the index (searches read the index;"
                        " a big index's next `localrag index` writes a new one)")
        codefile.remove(self.vectors.codes_path)  # a cache: rewritten by a big index's next index run
        with self.transaction():
            lost = self.db.execute("DELETE FROM embeddings WHERE vector IS NULL RETURNING id").fetchall()
            if lost:
                done.append(f"dropped {len(lost)} vector rows with no vector: the next `localrag index` embeds"
                            " only their texts")
            if self.db.execute("SELECT 1 FROM sqlite_master WHERE name='vec_bits'").fetchone() is not None:
                vec_ids = {int(r[0]) for r in self.db.execute("SELECT rowid FROM vec_bits")}
                emb_ids = {int(r[0]) for r in self.db.execute("SELECT id FROM embeddings")}
                stray = sorted(vec_ids - emb_ids)
                for i in range(0, len(stray), 500):
                    part = stray[i: i + 500]
                    self.db.execute(f"DELETE FROM vec_bits WHERE rowid IN ({','.join('?' * len(part))})", part)
                uncoded = sorted(emb_ids - vec_ids)
                for i in range(0, len(uncoded), 500):
                    part = uncoded[i: i + 500]
                    self.db.execute("INSERT INTO vec_bits(rowid, embedding) SELECT id, vec_quantize_binary(vector)"
                                    f" FROM embeddings WHERE id IN ({','.join('?' * len(part))})", part)
                if stray or uncoded:
                    done.append(f"dropped {len(stray)} stray codes and rebuilt {len(uncoded)} from the stored vectors"
                                " (nothing re-embedded)")
            self.db.execute("DELETE FROM chunks WHERE doc_id NOT IN (SELECT id FROM documents)")
            # chunks without a vector need no re-read: the next index embeds them from their text
            self.db.execute("UPDATE documents SET size=-1, content_hash=NULL WHERE status='ok' AND size >= 0 AND "
                            "NOT EXISTS (SELECT 1 FROM chunks c WHERE c.doc_id = documents.id)")
            k = self.db.changes()
            if k:
                done.append(f"{k} documents lost their chunks: the next `localrag index` re-reads only those")
            self.db.execute("UPDATE documents SET n_chunks = (SELECT count(*) FROM chunks c WHERE c.doc_id = documents.id)")
            self.db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")
            done.append("rebuilt the keyword index")
            self.set_meta("texts_pending", str(self.vectors.count_unembedded()))
            g = self.vectors.gc_embeddings()
            if g:
                done.append(f"dropped {g} unused vectors")
        return done

    # ---- status ---------------------------------------------------------------------------------
    def summary(self, failed_limit: int = 500) -> dict:
        """What a sidebar shows after every change, cheap at any size: counts from the documents
        table (a row a file) and the kept counters, never a scan of the chunks."""
        folders = self._folder_counts()
        failed = [{"path": p, "reason": e} for p, e in self.db.execute(
            "SELECT path, error FROM documents WHERE status='failed' ORDER BY path LIMIT ?", (failed_limit,))]
        share = self.vectors.meaning_share()
        return {"folders": folders, "chunks": sum(f["chunks"] for f in folders), "failed": failed,
                "meaning": 1.0 if share is None else share}

    def _folder_counts(self) -> list[dict]:
        """Each folder's files, failed files and chunks, from one pass over the documents table."""
        counts = {int(fid): (int(ok or 0), int(bad or 0), int(n or 0)) for fid, ok, bad, n in self.db.execute(
            "SELECT folder_id, sum(status='ok'), sum(status='failed'), coalesce(sum(n_chunks), 0)"
            " FROM documents GROUP BY folder_id")}
        out = []
        for fid, path in self.documents.folders():
            files, failed, chunks = counts.get(fid, (0, 0, 0))
            out.append({"path": path, "files": files, "failed": failed, "chunks": chunks})
        return out

    def stats(self) -> dict:
        def one(q: str, *a: object) -> Any:
            return self.scalar(q, a)

        per_folder = self._folder_counts()
        failed = [{"path": p, "reason": e, "attempts": int(n or 0), "retry_at": at}
                  for p, e, n, at in
                  self.db.execute("SELECT path, error, attempts, retry_at FROM documents WHERE status='failed' ORDER BY path")]
        stale = [{"path": p, "since": at} for p, at in
                 self.db.execute("SELECT path, stale_since FROM documents WHERE stale_since IS NOT NULL ORDER BY path")]
        notes = [{"path": p, "note": n} for p, n in
                 self.db.execute("SELECT path, note FROM documents WHERE status='ok' AND note IS NOT NULL ORDER BY path")]
        return {
            "folders": per_folder,
            "files": one("SELECT count(*) FROM documents WHERE status='ok'"),
            "chunks": one("SELECT count(*) FROM chunks"),
            "vectors": one("SELECT count(*) FROM embeddings"),
            "sentence_vectors": one("SELECT count(*) FROM sentence_vectors"),
            "coverage": self.vectors.coverage(),
            "failed": failed,
            "stale": stale,
            "notes": notes,
        }
