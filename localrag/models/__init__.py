"""Models: the embedding model, the local and remote generators, embeddings servers, the
bundled defaults, and the catalog of answer models to download."""
