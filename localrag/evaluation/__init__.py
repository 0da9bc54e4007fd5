"""Evaluation: labelled queries, metrics, TREC and SQuAD collections, retrieval and answer
scores, and `tune`, which adopts a change only when held-out queries prove it better."""
