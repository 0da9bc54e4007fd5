"""The index's schema as numbered migrations: a database records how many it has had
(``PRAGMA user_version``) and gets the rest, each in its own transaction. Never edit one that
has shipped; add the next."""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice

import apsw


def _vectors_beside_their_rows(db: apsw.Connection) -> None:
    """6: float vectors move into ``embeddings.vector`` (fast point reads for re-scoring) and
    sqlite-vec keeps only their binary codes (``vec_bits``, 1/32 of the size) for the coarse scan."""
    db.execute("ALTER TABLE embeddings ADD COLUMN vector BLOB")
    if db.execute("SELECT 1 FROM sqlite_master WHERE name='vec'").fetchone() is None:
        return  # no model bound yet: bind_model makes vec_bits
    rows = db.execute("SELECT rowid, embedding FROM vec")
    while batch := list(islice(rows, 2000)):
        db.executemany("UPDATE embeddings SET vector = ? WHERE id = ?", [(v, i) for i, v in batch])
    db.execute("DROP TABLE vec")
    db.execute("DELETE FROM embeddings WHERE vector IS NULL")  # rows whose vector was lost: their files are re-read
    dim = db.execute("SELECT value FROM meta WHERE key='embed_dim'").fetchone()
    if dim:
        db.execute(BITS_TABLE.format(dim=int(dim[0])))
        db.execute("INSERT INTO vec_bits(rowid, embedding) SELECT id, vec_quantize_binary(vector) FROM embeddings")


BITS_TABLE = "CREATE VIRTUAL TABLE IF NOT EXISTS vec_bits USING vec0(embedding bit[{dim}])"

Migration = str | Callable[[apsw.Connection], None]


def apply_migration(db: apsw.Connection, m: Migration) -> None:
    if callable(m):
        m(db)
    else:
        db.execute(m)


MIGRATIONS: list[Migration] = [
    # 1: the first schema
    """
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE folders(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, added_at REAL NOT NULL);
    CREATE TABLE documents(
        id INTEGER PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash TEXT,
        kind TEXT,
        status TEXT NOT NULL,
        error TEXT,
        n_chunks INTEGER NOT NULL DEFAULT 0,
        indexed_at REAL NOT NULL
    );
    CREATE INDEX documents_folder ON documents(folder_id);
    CREATE INDEX documents_hash ON documents(content_hash);
    CREATE TABLE chunks(
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        text TEXT NOT NULL,
        heading TEXT NOT NULL DEFAULT '',
        page INTEGER,
        start_line INTEGER,
        end_line INTEGER,
        hash TEXT NOT NULL
    );
    CREATE INDEX chunks_doc ON chunks(doc_id);
    CREATE INDEX chunks_hash ON chunks(hash);
    CREATE TABLE embeddings(id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE);
    CREATE VIRTUAL TABLE chunks_fts USING fts5(
        text, heading, content='chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts(rowid, text, heading) VALUES (new.id, new.text, new.heading);
    END;
    CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, text, heading) VALUES ('delete', old.id, old.text, old.heading);
    END;
    """,
    # 2: conversations (the TUI's chats, with follow-ups) and feedback on cited sources
    """
    CREATE TABLE conversations(
        id INTEGER PRIMARY KEY, title TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL
    );
    CREATE TABLE messages(
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        citations TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL
    );
    CREATE INDEX messages_conversation ON messages(conversation_id);
    CREATE TABLE feedback(
        id INTEGER PRIMARY KEY,
        query TEXT NOT NULL,
        path TEXT NOT NULL,
        chunk_id INTEGER,
        chunk_hash TEXT,
        helpful INTEGER NOT NULL,
        created_at REAL NOT NULL
    );
    """,
    # 3: query-side adapters learned by `localrag tune`, tied to the embedding model they fit
    """
    CREATE TABLE adapters(
        id INTEGER PRIMARY KEY,
        created_at REAL NOT NULL,
        fingerprint TEXT NOT NULL,
        dim INTEGER NOT NULL,
        rank INTEGER NOT NULL,
        u BLOB NOT NULL,
        v BLOB NOT NULL,
        report TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 0
    );
    """,
    # 4: paths the user asked to forget: never indexed again until added again
    """
    CREATE TABLE forgotten(path TEXT PRIMARY KEY, at REAL NOT NULL);
    """,
    # 5: where a conversation was held (the CLI continues its own), what kind each answer was,
    #    and a per-file note a user should see (PDF pages without a text layer)
    """
    ALTER TABLE conversations ADD COLUMN origin TEXT NOT NULL DEFAULT 'tui';
    ALTER TABLE messages ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE documents ADD COLUMN note TEXT;
    """,
    # 6: float vectors in their rows, binary codes in sqlite-vec
    _vectors_beside_their_rows,
    # 7: what `tune` adopted beside (or instead of) an adapter: fusion and feedback settings, as
    #    JSON (NULL: the defaults); an adopted row of rank 0 has no adapter
    """
    ALTER TABLE adapters ADD COLUMN levers TEXT;
    """,
    # 8: a chunk's document by its id from a small index, not from its row with all its text: a
    #    scoped keyword search checks every match (over 2x faster at a million chunks)
    """
    CREATE INDEX chunks_id_doc ON chunks(id, doc_id);
    """,
    # 9: a random id for this index, so a cache beside it (the codes file) names the index it is
    #    of, not only its generation
    """
    INSERT OR IGNORE INTO meta(key, value) VALUES ('index_id', lower(hex(randomblob(16))));
    """,
    # 10: a failed file is tried again (how often it failed, and from when on); a file under a
    #     folder that could not be read is kept, marked stale since then
    """
    ALTER TABLE documents ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE documents ADD COLUMN retry_at REAL;
    ALTER TABLE documents ADD COLUMN stale_since REAL;
    UPDATE documents SET attempts = 1, retry_at = 0 WHERE status = 'failed';
    """,
    # 11: vectors of the sentences answers rank, embedded ahead by a long-lived process (keyed by
    #     the hash of the text embedded, beside the chunk hash they came from), and the chunks done
    """
    CREATE TABLE sentence_vectors(id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, chunk_hash TEXT NOT NULL,
                                  vector BLOB NOT NULL);
    CREATE INDEX sentence_vectors_chunk ON sentence_vectors(chunk_hash);
    CREATE TABLE warm_chunks(hash TEXT PRIMARY KEY);
    """,
    # 12: tables are indexed a row at a time with their header: files that can hold one are read
    #     again at the next `index` (their other chunks keep their vectors, by text hash)
    """
    UPDATE documents SET content_hash = NULL, mtime_ns = 0 WHERE status = 'ok' AND (
        lower(path) LIKE '%.pdf' OR lower(path) LIKE '%.docx' OR lower(path) LIKE '%.odt'
        OR lower(path) LIKE '%.html' OR lower(path) LIKE '%.htm' OR lower(path) LIKE '%.xhtml'
        OR lower(path) LIKE '%.epub' OR lower(path) LIKE '%.csv' OR lower(path) LIKE '%.tsv');
    """,
    # 13: a workbook's numbers are written as its sheet shows them ("10,900", "25.0%"): workbooks
    #     are read again at the next `index`
    """
    UPDATE documents SET content_hash = NULL, mtime_ns = 0 WHERE status = 'ok' AND (
        lower(path) LIKE '%.xlsx' OR lower(path) LIKE '%.xlsm');
    """,
]
