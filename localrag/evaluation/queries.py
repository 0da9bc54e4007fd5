"""A labeled query: its text, the units (paths, chunks or document ids) judged relevant with
their grades, and for answer checks the expected answer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Query:
    qid: str
    text: str
    relevant: dict[str, int]
    answer: str | None = None
