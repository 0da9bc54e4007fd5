"""What a question asks for: a fact (one sentence somewhere answers it), or something about
whole documents: a summary, a comparison, which files mention a thing, or every mention of it.

Told by the question's wording alone (no model): these are the phrasings people use, and a
question that fits none is a fact question, answered as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FACT, SUMMARY, COMPARE, WHICH_FILES, LIST = "fact", "summary", "compare", "which_files", "list"
KINDS = (FACT, SUMMARY, COMPARE, WHICH_FILES, LIST)


@dataclass(frozen=True)
class Asked:
    """``target``: what a summary or a list is of (a document's name, a topic, or "" for the
    scope); ``other``: the second side of a comparison; ``topic``: what to find or list."""

    kind: str
    target: str = ""
    other: str = ""
    topic: str = ""
    weak: bool = False  # read so only if it names indexed documents ("what does X cover?", "A versus B")


_FILES = r"(?:files?|documents?|docs?|notes?|pages?|pdfs?|sources?|texts?|folders?)"
_MENTION = (r"(?:mentions?|mentioned|discuss(?:es|ed)?|talks? about|talked about|refers? to|covers?|contains?|"
            r"says? (?:anything|something) about|are about|is about|deals? with|includes?|references?|uses?|has|have)")
_POINTS = r"(?:main|key|important|major|central)\s+(?:points?|ideas?|takeaways?|findings?|topics?|themes?|facts?|messages?)"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (WHICH_FILES, re.compile(rf"^(?:in\s+)?(?:which|what)\s+(?:of\s+(?:my|the|these|our)\s+)?{_FILES}\s+"
                             rf"(?:(?:do|does|did)\s+(?:i\s+)?)?(?:that\s+)?{_MENTION}\s+(?P<topic>.+)$")),
    (WHICH_FILES, re.compile(rf"^(?:in\s+)?(?:which|what)\s+{_FILES}\s+(?:is|are|was|were)\s+(?P<topic>.+?)\s+"
                             r"(?:mentioned|discussed|described|explained|covered|used|defined)$")),
    (WHICH_FILES, re.compile(rf"^(?:find|show|list|give me)\s+(?:me\s+)?(?:all\s+|every\s+)?(?:the\s+)?(?:my\s+)?{_FILES}\s+"
                             rf"(?:that\s+|which\s+)?(?:{_MENTION}|about|with|on)\s+(?P<topic>.+)$")),
    (WHICH_FILES, re.compile(r"^where\s+(?:do|did|have)\s+i\s+(?:mention(?:ed)?|write|wrote|written|talk(?:ed)?)\s+"
                             r"(?:about\s+)?(?P<topic>.+)$")),
    (COMPARE, re.compile(r"^compare\s+(?P<a>.+?)\s+(?:and|with|to|against|vs\.?|versus)\s+(?P<b>.+)$")),
    (COMPARE, re.compile(r"^(?:what\s+(?:is|are)\s+)?(?:the\s+)?(?:main\s+)?differences?\s+between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)$")),
    (COMPARE, re.compile(r"^how\s+(?:does|do|is|are)\s+(?P<a>.+?)\s+(?:differ|different)\s+from\s+(?P<b>.+)$")),
    (COMPARE, re.compile(r"^how\s+(?:does|do|is|are)\s+(?P<a>.+?)\s+compared?\s+(?:to|with)\s+(?P<b>.+)$")),
    (COMPARE, re.compile(r"^how\s+do\s+(?P<a>.+?)\s+and\s+(?P<b>.+?)\s+(?:differ|compare)(?:\s+.*)?$")),
    (COMPARE + "?", re.compile(r"^(?P<a>[^,;:]+?)\s+(?:vs\.?|versus)\s+(?P<b>.+)$")),
    (LIST, re.compile(r"^(?:list|find|show|give me|collect|extract)\s+(?:me\s+)?(?:every|all(?:\s+the)?|each|all\s+of\s+the)\s+"
                      r"(?P<topic>.+?)(?:\s+(?:in|from|of|mentioned in|across)\s+(?P<target>.+))?$")),
    (LIST, re.compile(r"^what\s+are\s+all\s+(?:the\s+)?(?P<topic>.+?)(?:\s+(?:in|from|of|mentioned in)\s+(?P<target>.+))?$")),
    (SUMMARY, re.compile(r"^(?:please\s+|can you\s+|could you\s+)?(?:summari[sz]e|sum up|recap|outline|tl;?dr)"
                         r"\s*(?::|of\s+)?\s*(?P<target>.*)$")),
    (SUMMARY, re.compile(r"^(?:give|write|make|show)\s+(?:me\s+)?(?:a|an|the)\s+(?:short\s+|brief\s+|quick\s+)?"
                         r"(?:summary|overview|outline|recap|rundown|gist|synopsis|digest)\s*(?:of\s+(?P<target>.*))?$")),
    (SUMMARY, re.compile(r"^(?:a\s+|the\s+)?(?:short\s+|brief\s+|quick\s+)?(?:summary|overview|synopsis|gist|tl;?dr)\s+of\s+(?P<target>.+)$")),
    (SUMMARY, re.compile(rf"^(?:what\s+(?:is|are)\s+|list\s+|give\s+me\s+)?(?:the\s+)?{_POINTS}"
                         r"(?:\s+(?:of|in|from|made in)\s+(?P<target>.+))?$")),
    (SUMMARY + "?", re.compile(r"^what\s+(?:is|are)\s+(?P<target>.+?)\s+(?:all\s+)?about$")),
    (SUMMARY + "?", re.compile(r"^what\s+does\s+(?P<target>.+?)\s+(?:cover|say overall|talk about)$")),
]

_ABOUT_TOPIC = re.compile(r"^(?:what\s+)?(?:my\s+|the\s+|these\s+)?(?:files?|documents?|notes?)\s+(?:say|says)\s+about\s+(?P<topic>.+)$|"
                          r"^(?:everything|all)\s+(?:i\s+have\s+|my files say\s+)?(?:about|on)\s+(?P<topic2>.+)$")


def _clean(text: str) -> str:
    return text.strip().strip(" \t?.!:;,\"'\u201c\u201d").strip()


def classify(question: str) -> Asked:
    """The kind of a question, with what it names. Anything else is a fact question."""
    q = _clean(" ".join(question.split()))
    low = q.lower()
    if len(low) != len(q):  # a letter whose lower case is longer: spans must index the same text
        q = low
    for kind, pat in _PATTERNS:
        m = pat.match(low)
        if not m:
            continue
        weak = kind.endswith("?")  # a reading that holds only for named documents
        kind = kind.rstrip("?")
        groups = {k: _clean(q[m.start(k): m.end(k)]) if m.group(k) is not None else ""
                  for k in pat.groupindex}  # the question's own spelling, not its lower case
        if kind == COMPARE:
            if not groups["a"] or not groups["b"]:
                continue
            return Asked(COMPARE, groups["a"], groups["b"], weak=weak)
        if kind == WHICH_FILES:
            if not groups["topic"]:
                continue
            return Asked(WHICH_FILES, topic=groups["topic"])
        if kind == LIST:
            if not groups["topic"]:
                continue
            return Asked(LIST, target=groups.get("target", ""), topic=groups["topic"])
        target = groups.get("target", "")
        about = _ABOUT_TOPIC.match(target.lower())
        if about:  # "summarize what my notes say about X": a summary of a topic
            start, end = about.span("topic") if about.group("topic") else about.span("topic2")
            return Asked(SUMMARY, topic=_clean(target[start:end]))
        return Asked(SUMMARY, target=target, weak=weak)
    return Asked(FACT)
