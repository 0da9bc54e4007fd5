"""Indexing: the run that brings the index in step with the folders (``indexer``), the walk and
its ignore rules (``walk``), chunking, the watcher, and ``parse`` (each format to blocks)."""
