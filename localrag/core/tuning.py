"""``rag.tuning``: what `tune` adopted (a query adapter, retrieval settings), a person's verdicts
for it to learn from, and the way back to the baseline."""

from __future__ import annotations

import numpy as np

from localrag.core.models import Models
from localrag.core.runtime import Runtime
from localrag.models.embed import expected_identity
from localrag.search.adapter import Adapter
from localrag.search.levers import Levers
from localrag.search.retrieve import Result
from localrag.store.rows import AdapterRow


class Tuning:
    def __init__(self, rt: Runtime, models: Models):
        self._rt = rt
        self._models = models
        self._adapter: tuple[int, Adapter] | None = None
        self.note: str | None = None  # why an adopted tuning is not used, once read

    def _active_row(self) -> AdapterRow | None:
        """The row `tune` adopted, if it was made for the embedding model in use."""
        row = self._rt.store.history.active_adapter()
        self.note = None
        if row is None:
            return None
        if row.fingerprint != expected_identity(self._rt.settings.embed_model)[1]:
            self.note = ("the active tuning was made for another embedding model, so it is "
                         "disabled; run `localrag tune` again, or `localrag tune --revert`")
            return None
        return row

    def adopted(self) -> tuple[Adapter | None, Levers]:
        """The adapter and the retrieval settings `tune` adopted, from one read of its row."""
        row = self._active_row()
        if row is None:
            return None, Levers()
        levers = Levers.from_json(row.levers)
        if not row.rank:  # rank 0: `tune` adopted retrieval settings alone
            return None, levers
        if self._adapter is None or self._adapter[0] != row.id:
            self._adapter = (row.id, Adapter.from_blobs(row.u, row.v, row.dim, row.rank))
        return self._adapter[1], levers

    def adapter(self) -> Adapter | None:
        """The adopted query adapter, if it was trained for the embedding model in use."""
        return self.adopted()[0]

    def levers(self) -> Levers:
        """The fusion and feedback settings `tune` adopted (the defaults if none)."""
        return self.adopted()[1]

    def query_vector(self, text: str, adapter: Adapter | bool = True) -> np.ndarray:
        """The query's vector, through the adopted adapter unless told otherwise."""
        vec = self._models.embedder.embed_query(text)
        a = self.adapter() if adapter is True else (adapter or None)
        return a.apply(vec) if a is not None else vec

    def revert(self) -> int:
        """Back to the baseline embedding (instant); the number of adapters switched off."""
        return self._rt.store.history.deactivate_adapters()

    def record_feedback(self, query: str, r: Result, helpful: bool) -> None:
        """A person's verdict on a source, for `tune` to learn from."""
        self._rt.store.history.add_feedback(query, r.path, r.chunk_id or None, helpful)
