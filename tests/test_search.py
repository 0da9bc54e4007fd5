import os
from pathlib import Path

import pytest

from localrag.errors import LocalragError
from localrag.search.retrieve import fts_terms, rrf
from localrag.store import Store


def test_rrf_fuses_by_rank() -> None:
    fused = rrf([[1, 2, 3], [3, 1]], [1.0, 1.0], k=60)
    assert [c for c, _ in fused] == [1, 3, 2]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)


def test_keyword_queries_are_never_syntax() -> None:
    from localrag.store.keywords import _any

    assert fts_terms('the "NEAR" AND (x* OR y) -z') == ["near", "x", "y", "z"]
    assert fts_terms("the of") == ["the", "of"]  # only stopwords: keep them rather than nothing
    assert fts_terms("???") == []
    assert _any(["near", 'a"b']) == '"near" OR "a""b"'  # each word quoted, a quote in it doubled


@pytest.fixture()
def indexed(make_app, docs):
    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    return app


@pytest.mark.parametrize("mode", ["hybrid", "vector", "keyword"])
def test_modes_find_the_right_file(indexed, docs, mode) -> None:
    res = indexed.library.search("how hot should the water be for coffee brewing", k=3, mode=mode)
    assert res[0].path == str(docs / "coffee.md")
    assert res[0].heading == "Coffee > Brewing" and res[0].start_line == 9 and res[0].end_line == 10
    assert all(r.score > 0 for r in res)


def test_vector_search_understands_paraphrase(indexed, docs) -> None:
    res = indexed.library.search("vegetable planting distance", k=1, mode="vector")
    assert res[0].path == str(docs / "garden" / "tomatoes.rst")


def test_hostile_queries_do_not_crash(indexed) -> None:
    for q in ['"', "NEAR(", "*", "a AND", "-", "\x00", "' OR 1=1 --", "🙂" * 50, "x" * 5000]:
        indexed.library.search(q, mode="hybrid")
    assert indexed.library.search("   ") == []


def test_bad_mode_is_a_clear_error(indexed) -> None:
    with pytest.raises(LocalragError, match="unknown search mode"):
        indexed.library.search("x", mode="fuzzy")


def test_in_memory_vectors_rank_like_sqlite_vec_and_follow_writes(indexed, docs) -> None:
    q = indexed.tuning.query_vector("planting vegetables in the garden")
    cold = indexed.store.vectors.vector_search(q, 5)
    indexed.store.vectors.cache = True
    warm = indexed.store.vectors.vector_search(q, 5)
    assert [c for c, _ in warm] == [c for c, _ in cold]
    assert [s for _, s in warm] == pytest.approx([s for _, s in cold], abs=1e-5)
    (docs / "beans.md").write_text("Plant bean seeds in the vegetable garden in late spring.\n")
    indexed.index.update()
    assert indexed.library.search("bean seeds vegetable garden", k=1, mode="vector")[0].path == str(docs / "beans.md")


def test_chats_and_feedback_keep_the_cached_vectors(indexed, docs) -> None:
    """Only what search reads invalidates a long-lived process's copy of the vectors."""
    st = indexed.store
    st.vectors.cache = True
    ids, mat = st.vectors.vector_codes()
    gen = st.conn.meta("generation")
    cid = st.history.new_conversation("tea?")
    st.history.add_message(cid, "tea?", "80 degrees", "[]")
    st.history.add_feedback("tea?", str(docs / "tea.txt"), None, True)
    assert st.conn.meta("generation") == gen and st.vectors.vector_codes()[1] is mat  # not reloaded
    (docs / "tea.txt").write_text("Black tea wants boiling water.\n")
    indexed.index.update()
    assert st.conn.meta("generation") != gen and st.vectors.vector_codes()[1] is not mat


def test_codes_read_from_sqlite_vec_blocks_equal_its_rows(make_app, tmp_path: Path) -> None:
    """The fast read of sqlite-vec's blocks (with holes left by deleted vectors) gives exactly
    the codes its row-by-row scan gives; a layout it does not know falls back to the rows."""
    import numpy as np

    from localrag.store.vectors import pack_bits

    d = tmp_path / "many"
    d.mkdir()
    for i in range(40):
        (d / f"n{i:02}.md").write_text(f"Note {i}: the {i}th lighthouse keeper logged {i * 7} ships.\n")
    app = make_app()
    app.index.add([str(d)])
    app.index.update()
    for i in range(0, 40, 3):
        (d / f"n{i:02}.md").unlink()
    app.index.update()  # their vectors are dropped: holes in the blocks
    st = app.store
    width = 384 // 8
    fast = st.vectors.codes_from_blocks(width)
    assert fast is not None
    rows = {int(r): bytes(b) for r, b in st.db.execute("SELECT rowid, embedding FROM vec_bits")}
    assert len(rows) == len(fast[0]) == st.scalar("SELECT count(*) FROM embeddings") > 20
    assert {int(i): c.tobytes() for i, c in zip(*fast)} == rows
    floats = dict(zip(*st.vectors.all_vectors()))
    assert all(pack_bits(floats[i]).tobytes() == c for i, c in rows.items())  # the codes are the floats' signs
    st.db.execute("ALTER TABLE vec_bits_chunks RENAME TO vec_bits_chunks_moved")  # an unknown layout
    try:
        assert st.vectors.codes_from_blocks(width) is None
        _, ids, codes = st.vectors.read_codes()
        assert {int(i): c.tobytes() for i, c in zip(ids, codes)} == rows
        assert np.array_equal(np.sort(ids), np.sort(fast[0]))
    finally:
        st.db.execute("ALTER TABLE vec_bits_chunks_moved RENAME TO vec_bits_chunks")


@pytest.mark.parametrize("dim", [384, 24])
def test_hamming_counts_differing_signs(dim: int) -> None:
    import numpy as np

    from localrag.store.vectors import code_words, hamming, pack_bits

    rng = np.random.default_rng(dim)
    vecs = rng.standard_normal((500, dim)).astype(np.float32)
    q = rng.standard_normal(dim).astype(np.float32)
    want = ((vecs > 0) != (q > 0)).sum(axis=1)
    assert np.array_equal(hamming(code_words(pack_bits(vecs)), pack_bits(q)), want)


def _zipf_index(path: Path, n_docs: int = 150, per_doc: int = 20) -> Store:
    """A real keyword index of Zipf-distributed words (as in text: a few words in most rows,
    most words in few), with headings too, so the words' counts vary as they do in real folders."""
    import numpy as np

    rng = np.random.default_rng(7)
    vocab = np.array([f"w{i}" for i in range(3000)])
    p = 1.0 / np.arange(1, len(vocab) + 1)
    p /= p.sum()
    st = Store(path)
    fid = st.documents.add_folder("/z")
    with st.transaction():
        for d in range(n_docs):
            doc = st.documents.upsert_document(fid, f"/z/part{d % 4}/doc{d}.md", 1, 1, f"h{d}", "markdown", "ok", None)
            rows = []
            for c in range(per_doc):
                words = vocab[rng.choice(len(vocab), size=int(rng.integers(20, 160)), p=p)]
                rows.append((" ".join(words), " ".join(words[:3]) if c % 3 == 0 else "", None, c + 1, c + 1, f"{d}-{c}"))
            st.documents.add_chunks(doc, rows)
    return st


def test_keyword_search_split_by_word_counts_ranks_exactly_as_one_query(tmp_path: Path, monkeypatch) -> None:
    """Common words split off (MaxScore) must give the very ranking and scores of one FTS5 query,
    scoped or not, also when the bound is not beaten and one full query answers after all."""
    import numpy as np

    import localrag.store.keywords as keywords
    from localrag.store.scope import make_scope

    st = _zipf_index(tmp_path / "z.db")
    rng = np.random.default_rng(3)
    queries = [[f"w{int(i)}" for i in rng.integers(0, 1500, size=int(rng.integers(2, 7)))] for _ in range(60)]
    queries += [["w0", "w1", "w2"], ["w1", "w2900"], ["w5", "w5"]]  # all common; one rare; a repeat
    scope = make_scope(["/z/part1"], [], ["/z"])
    calls: list[str] = []
    real = st.keywords.bm25
    monkeypatch.setattr(st.keywords, "bm25", lambda e, k, s: calls.append(e) or real(e, k, s))
    for guess, want in ((0.75, "split"), (50.0, "fallback")):
        monkeypatch.setattr(keywords, "SPLIT_GUESS", guess)
        ways = []
        for words in queries:
            for sc in (None, scope):
                monkeypatch.setattr(keywords, "SPLIT_ROWS", 10**12)  # one query, as before the split
                one = st.keywords.keyword_search(words, 50, sc)
                monkeypatch.setattr(keywords, "SPLIT_ROWS", 0)
                calls.clear()
                two = st.keywords.keyword_search(words, 50, sc)
                ways.append({1: "one", 2: "split", 3: "fallback"}[len(calls)])
                assert two == one, (words, sc)  # ids, order and scores bit for bit
        assert ways.count(want) >= 10, ways  # the path under test was taken, not skipped
    st.close()


def test_full_blocks_of_codes_are_read_in_place_and_equal_the_rows(tmp_path: Path) -> None:
    """Thousands of vectors fill sqlite-vec blocks (1,024 each), which are read straight into
    place; a block with holes is read row by row. Both give exactly sqlite-vec's own rows, and
    a one-shot scan of them (a strided view) counts as the long-lived (copied) one does."""
    import numpy as np

    from localrag.store.vectors import code_words, hamming, pack_bits

    st = Store(tmp_path / "codes.db")
    st.vectors.bind_model("test", 384, "fp")
    vecs = np.random.default_rng(0).standard_normal((2600, 384)).astype(np.float32)
    with st.transaction():
        st.vectors.add_vectors([f"h{i}" for i in range(len(vecs))], vecs)
        st.db.execute("DELETE FROM vec_bits WHERE rowid IN (1500, 1501, 1777)")  # holes in the second block
    with st.conn.transaction_read():
        fast = st.vectors.codes_from_blocks(48)
    assert fast is not None
    rows = {int(r): bytes(b) for r, b in st.db.execute("SELECT rowid, embedding FROM vec_bits")}
    assert len(fast[0]) == len(rows) == 2597
    assert {int(i): c.tobytes() for i, c in zip(*fast)} == rows
    q = pack_bits(vecs[7])
    assert np.array_equal(hamming(code_words(fast[1]), q), hamming(code_words(fast[1], copy=False), q))
    st.close()


def test_one_shot_searches_map_the_codes_file_while_it_names_the_index_state(make_app, docs, monkeypatch) -> None:
    """After `index`, a big index's codes are written beside it; a one-shot search maps them and
    ranks exactly as from the database; after any change it ignores the stale file; a damaged
    file is reported by doctor, removed by --repair, and never breaks a search."""
    import localrag.store.vectors as vectors
    from localrag.store import codefile

    monkeypatch.setattr(vectors, "CODES_FILE_MIN", 0)  # the bundled docs stand in for a big index
    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    path = codefile.path_for(app.store.path)
    assert path.exists()
    mapped: list[bool] = []
    real_read = codefile.read
    monkeypatch.setattr(codefile, "read", lambda p, k: mapped.append(real_read(p, k) is not None) or real_read(p, k))
    q = "how hot should the water be for coffee"
    fresh = make_app()  # a one-shot process: codes not kept in memory
    via_file = fresh.library.search(q, k=3, mode="vector")
    assert mapped == [True]
    path.unlink()
    from_db = make_app().library.search(q, k=3, mode="vector")
    assert [(r.chunk_id, r.score) for r in via_file] == [(r.chunk_id, r.score) for r in from_db]
    app.index.update()  # the file is gone: the next index writes it again
    assert path.exists()
    with app.store.transaction():  # any write, with no index run after it: the file is stale now
        pass
    mapped.clear()
    make_app().library.search("green tea steeping", k=5, mode="vector")
    assert mapped == [False]  # stale file ignored
    app.index.update()
    leftover = path.with_name(path.name + ".tmp")
    leftover.write_bytes(b"half a file a crash left")
    app.index.forget(str(docs / "tea.txt"))
    assert not path.exists() and not leftover.exists()  # a forgotten file's codes go with it, half-written ones too
    after = make_app().library.search("green tea steeping", k=5, mode="vector")
    assert all(not r.path.endswith("tea.txt") for r in after)
    app.index.update()
    path.write_bytes(b"LRCODES1 not really")  # damaged (a copy cut short, a foreign file)
    assert make_app().library.search(q, k=1, mode="vector")[0].path.endswith("coffee.md")
    rep = app.health.doctor()
    assert rep.checks["codes_file_damaged"] == 1
    assert [(p.check, p.severity) for p in rep.problems] == [("codes_file_damaged", "harmless")] and not rep.serious
    fixed = app.health.doctor(repair=True).repaired
    assert not path.exists() and any("codes file" in f for f in fixed)


def test_every_thread_searches_with_new_words(make_app, docs: Path) -> None:
    """The store opens a connection a thread, and each is set up whole when it opens: a search
    on a second thread, with words no earlier search used, works (the TUI's second question
    failed here on a TEMP table made on the first thread's connection only)."""
    import threading

    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    app.resident.keep_vectors_in_memory()
    assert app.library.search("grind beans", k=3, mode="keyword")[0].path.endswith("coffee.md")
    got: dict[str, object] = {}

    def ask(words: str) -> None:
        try:
            got[words] = [r.path for r in app.library.search(words, k=3)]
        except Exception as e:  # noqa: BLE001 - the test reports any error
            got[words] = e

    threads = [threading.Thread(target=ask, args=(w,)) for w in ("green tea steeps", "tomatoes frost", "water Celsius")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(v, list) and v for v in got.values()), got
    assert got["tomatoes frost"][0].endswith("tomatoes.rst") and got["green tea steeps"][0].endswith("tea.txt")


def test_a_finished_threads_connection_is_closed(make_app, docs: Path) -> None:
    """A long-lived process that runs each piece of work on a new thread (the TUI's workers)
    releases the thread's connection as the work ends, so file descriptors stay flat."""
    import threading

    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    app.library.search("grind beans", k=3)

    def fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    def request(i: int) -> None:
        try:
            assert app.library.search(f"green tea {i}", k=3)
        finally:
            app.resident.release_thread()

    before, opened = fds(), app.store.conn.open_connections()
    for i in range(20):
        t = threading.Thread(target=request, args=(i,))
        t.start()
        t.join(60)
    assert app.store.conn.open_connections() <= opened + 1 and fds() <= before + 3, (opened, app.store.conn.open_connections(), before, fds())
    assert app.library.search("tomatoes frost", k=3)[0].path.endswith("tomatoes.rst")  # this thread's still works
    app.resident.release_thread()
    assert app.library.search("tomatoes frost", k=3)[0].path.endswith("tomatoes.rst")  # and opens a new one after
