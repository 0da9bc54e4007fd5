"""Files to blocks: the base types (``base``), the registry of formats (``registry``), each
third-party format in a module of its own, the sandboxed child that runs them, and OCR."""
