from pathlib import Path

import pytest

from localrag.errors import LocalragError
from localrag.retrieve import fts_query, rrf


def test_rrf_fuses_by_rank() -> None:
    fused = rrf([[1, 2, 3], [3, 1]], [1.0, 1.0], k=60)
    assert [c for c, _ in fused] == [1, 3, 2]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)


def test_fts_query_is_never_syntax() -> None:
    assert fts_query('the "NEAR" AND (x* OR y) -z') == '"near" OR "x" OR "y" OR "z"'
    assert fts_query("the of") == '"the" OR "of"'  # only stopwords: keep them rather than nothing
    assert fts_query("???") == ""


@pytest.fixture()
def indexed(make_app, docs):
    app = make_app()
    app.add([str(docs)])
    app.index()
    return app


@pytest.mark.parametrize("mode", ["hybrid", "vector", "keyword"])
def test_modes_find_the_right_file(indexed, docs, mode) -> None:
    res = indexed.search("how hot should the water be for coffee brewing", k=3, mode=mode)
    assert res[0].path == str(docs / "coffee.md")
    assert res[0].heading == "Coffee > Brewing" and res[0].start_line == 9 and res[0].end_line == 10
    assert all(r.score > 0 for r in res)


def test_vector_search_understands_paraphrase(indexed, docs) -> None:
    res = indexed.search("vegetable planting distance", k=1, mode="vector")
    assert res[0].path == str(docs / "garden" / "tomatoes.rst")


def test_hostile_queries_do_not_crash(indexed) -> None:
    for q in ['"', "NEAR(", "*", "a AND", "-", "\x00", "' OR 1=1 --", "🙂" * 50, "x" * 5000]:
        indexed.search(q, mode="hybrid")
    assert indexed.search("   ") == []


def test_bad_mode_is_a_clear_error(indexed) -> None:
    with pytest.raises(LocalragError, match="unknown search mode"):
        indexed.search("x", mode="fuzzy")


def test_in_memory_vectors_rank_like_sqlite_vec_and_follow_writes(indexed, docs) -> None:
    q = indexed.query_vector("planting vegetables in the garden")
    cold = indexed.store.vector_search(q, 5)
    indexed.store.cache_vectors = True
    warm = indexed.store.vector_search(q, 5)
    assert [c for c, _ in warm] == [c for c, _ in cold]
    assert [s for _, s in warm] == pytest.approx([s for _, s in cold], abs=1e-5)
    (docs / "beans.md").write_text("Plant bean seeds in the vegetable garden in late spring.\n")
    indexed.index()
    assert indexed.search("bean seeds vegetable garden", k=1, mode="vector")[0].path == str(docs / "beans.md")


def test_chats_and_feedback_keep_the_cached_vectors(indexed, docs) -> None:
    """Only what search reads invalidates a long-lived process's copy of the vectors."""
    st = indexed.store
    st.cache_vectors = True
    ids, mat = st.vector_codes()
    gen = st.meta("generation")
    cid = st.new_conversation("tea?")
    st.add_message(cid, "tea?", "80 degrees", "[]")
    st.add_feedback("tea?", str(docs / "tea.txt"), None, True)
    assert st.meta("generation") == gen and st.vector_codes()[1] is mat  # not reloaded
    (docs / "tea.txt").write_text("Black tea wants boiling water.\n")
    indexed.index()
    assert st.meta("generation") != gen and st.vector_codes()[1] is not mat


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
    app.add([str(d)])
    app.index()
    for i in range(0, 40, 3):
        (d / f"n{i:02}.md").unlink()
    app.index()  # their vectors are dropped: holes in the blocks
    st = app.store
    width = 384 // 8
    fast = st._codes_from_blocks(width)
    assert fast is not None
    rows = {int(r): bytes(b) for r, b in st.db.execute("SELECT rowid, embedding FROM vec_bits")}
    assert len(rows) == len(fast[0]) == st.scalar("SELECT count(*) FROM embeddings") > 20
    assert {int(i): c.tobytes() for i, c in zip(*fast)} == rows
    floats = dict(zip(*st.all_vectors()))
    assert all(pack_bits(floats[i]).tobytes() == c for i, c in rows.items())  # the codes are the floats' signs
    st.db.execute("ALTER TABLE vec_bits_chunks RENAME TO vec_bits_chunks_moved")  # an unknown layout
    try:
        assert st._codes_from_blocks(width) is None
        _, ids, codes = st._read_codes()
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
