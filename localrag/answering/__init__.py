"""Answering: evidence sentences, the check of what a model wrote against them, the answer
itself, previews of a cited passage in its file, and export of a conversation."""
