"""Search: hybrid retrieval and fusion (``retrieve``), scopes, and what `tune` adopted as it is
applied at query time (``levers``, ``adapter``)."""
