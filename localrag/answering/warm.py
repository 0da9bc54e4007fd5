"""Embed the sentences answers rank before any question needs them (``store.sentences``).

A long-lived process does this while it is idle, a few chunks a step, so a request that comes
in waits for at most one step. The sentences and the text each is embedded as come from
``evidence``'s own rules, so a stored vector is found for exactly the text an answer embeds.
"""

from __future__ import annotations

from collections.abc import Callable

from localrag.answering.sentences import EmbedFn, embed_texts, split
from localrag.search.retrieve import Result
from localrag.store import Store

STEP_CHUNKS = 2  # chunks a step: some fifteen sentences, under two tenths of a second on two cores


def warm(store: Store, embed: EmbedFn, fingerprint: str, limit: int, stop: Callable[[], bool]) -> tuple[int, bool]:
    """Embed and store the sentences of chunks not yet done, newest first, until every chunk is
    done or ``limit`` vectors are stored (True), or ``stop()`` says to stop (False). Returns the
    vectors stored and whether it finished."""
    stored = 0
    have = store.sentences.count()
    below = 1 << 62
    while have + stored < limit:
        if stop():
            return stored, False
        chunks = store.sentences.cold_chunks(below, STEP_CHUNKS)
        if not chunks:
            return stored, True
        below = chunks[-1][0]
        texts: dict[str, str] = {}  # text -> the chunk hash it came from
        for cid, chash, text, heading in chunks:
            sents = split([Result(cid, "", 0.0, text, heading, None, None, None)])
            for t in embed_texts(sents):
                texts.setdefault(t, chash)
        known = store.sentences.lookup(list(texts))  # shared with a chunk done before
        new = [t for t in texts if t not in known]
        vecs = embed(new)
        if not store.sentences.add([c[1] for c in chunks], new, [texts[t] for t in new], vecs, fingerprint):
            return stored, True  # the model changed under it: what is left is the next run's
        stored += len(new)
    return stored, True
