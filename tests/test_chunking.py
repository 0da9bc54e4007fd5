import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localrag.indexing.chunking import chunk_blocks
from localrag.indexing.parse.base import Block
from localrag.indexing.parse.text import parse_markdown


def test_chunks_follow_sections_and_carry_heading(embedder) -> None:
    text = "# Guide\n\n## Grinding\n\nGrind fine.\n\n## Brewing\n\nUse 93 degrees.\n"
    chunks = chunk_blocks(list(parse_markdown(text)), embedder.count_tokens, 256)
    assert [(c.heading, c.text, c.start_line) for c in chunks] == [
        ("Guide > Grinding", "Grind fine.", 5), ("Guide > Brewing", "Use 93 degrees.", 9)]
    assert chunks[1].embed_text == "Guide > Brewing\nUse 93 degrees."


def test_pages_never_share_a_chunk(embedder) -> None:
    blocks = [Block("one", 1, 1, page=1), Block("two", 1, 1, page=2)]
    assert [c.page for c in chunk_blocks(blocks, embedder.count_tokens, 256)] == [1, 2]


def test_long_text_is_split_within_limit_and_nothing_is_lost(embedder) -> None:
    para = " ".join(f"word{i}" for i in range(3000))  # one monster line
    lines = "\n".join(f"line {i} with some text to fill the chunk" for i in range(400))
    blocks = [Block(para, 1, 1), Block(lines, 3, 402)]
    chunks = chunk_blocks(blocks, embedder.count_tokens, 256)
    assert len(chunks) > 10
    assert max(embedder.count_tokens([c.embed_text for c in chunks])) <= 256
    joined = " ".join(c.text for c in chunks)
    assert re.findall(r"word\d+", joined) == [f"word{i}" for i in range(3000)]
    line_chunks = [c for c in chunks if c.text.startswith("line")]
    assert line_chunks[0].start_line == 3 and line_chunks[-1].end_line == 402


words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(words, min_size=1, max_size=80), min_size=1, max_size=12), st.integers(32, 256))
def test_property_every_chunk_fits_and_words_survive(embedder, paras: list[list[str]], limit: int) -> None:
    text = "\n\n".join(" ".join(p) for p in paras)
    blocks = list(parse_markdown(text))
    chunks = chunk_blocks(blocks, embedder.count_tokens, limit)
    if chunks:
        assert max(embedder.count_tokens([c.embed_text for c in chunks])) <= limit
    src = "".join("".join(b.text.split()) for b in blocks if not b.heading)
    got = "".join("".join(c.text.split()) for c in chunks)
    assert got == src


def test_a_line_whose_density_changes_is_cut_within_limit(embedder) -> None:
    """Prose, then a base64-like run with no spaces (far more tokens per character), on one
    line: pieces cut by the prose's ratio are over budget and must be cut again."""
    import base64
    import random

    blob = base64.b64encode(random.Random(2).randbytes(30_000)).decode()
    line = " ".join(f"word{i}" for i in range(2000)) + " " + blob + " " + " ".join(f"tail{i}" for i in range(500))
    chunks = chunk_blocks([Block(line, 7, 7)], embedder.count_tokens, 128)
    assert max(embedder.count_tokens([c.embed_text for c in chunks])) <= 128
    assert "".join(c.text.replace(" ", "") for c in chunks) == line.replace(" ", "")
    assert all(c.start_line == c.end_line == 7 for c in chunks)
