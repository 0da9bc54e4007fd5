"""Labelled (question, sentence) pairs for training localrag's answerability verifier (issue 35),
split by article, with today's lexical check measured on the held-out pairs as the baseline.

    .venv/bin/python training/verifier/pairs.py --out DIR [--held-out 10] [--seed 0] [--others 2]

Sentences are cut exactly as answers cut them (``answering.sentences.split``), each read with
its heading and the sentence before it, as the check reads it. Labels:
- 1: an answerable question against the sentence holding a gold answer;
- 0: an unanswerable question against the sentence holding its plausible answer (the hard
  negative: about the same thing, but not saying what is asked), and against the other
  sentences of its paragraph; an answerable question against ``--others`` other sentences of
  its paragraph.

Train: the ten shared training articles and the dev articles not held out. Held out: ``--held-out``
dev articles chosen by ``--seed`` (never split by question). Writes ``train.jsonl``,
``held-out.jsonl`` and ``split.json`` (which article went where), then prints the counts and the
baseline's figures on the held-out pairs and questions.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import features as support  # beside this script: the lexical features a logistic model was tried on
import numpy as np

from localrag.answering.lexical import FRAME_WORDS, STOPWORDS, squad_normalize, stem
from localrag.answering.rank import rank
from localrag.search.retrieve import Result

SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"
TRAIN10 = SHARED / "squad-train10" / "train-v2.0-10-articles.json"
DEV25 = SHARED / "squad-dev25" / "dev-v2.0-25-articles.json"


@dataclass
class Pair:
    article: str
    qid: str
    question: str
    sentence: str
    around: str  # the sentence before it, as the check reads a sentence with its neighbour
    label: int
    kind: str  # gold | plausible | sibling (another sentence of the paragraph)
    baseline: bool  # today's check: the sentence is about what the question asks (Sentence.answers_question)
    features: list[float]  # support.features: what the trained check reads


def _no_embedding(texts: Sequence[str]) -> np.ndarray:
    """The lexical check does not use the vectors: only the order of equal scores does."""
    return np.zeros((len(texts), 1), dtype=np.float32)


def _holds(sentence: str, answers: list[dict]) -> bool:
    """Matched by text, not offset: about 3% of the dev copy's offsets are off."""
    norm = squad_normalize(sentence)
    return any(a["text"].strip() and squad_normalize(a["text"]) in norm for a in answers)


ANTONYMS = dict(pair for a, b in (
    ("highest", "lowest"), ("largest", "smallest"), ("biggest", "smallest"), ("first", "last"), ("most", "least"),
    ("before", "after"), ("earliest", "latest"), ("increase", "decrease"), ("increased", "decreased"), ("rise", "fall"),
    ("rising", "falling"), ("north", "south"), ("northern", "southern"), ("east", "west"), ("eastern", "western"),
    ("maximum", "minimum"), ("upper", "lower"), ("early", "late"), ("longest", "shortest"), ("oldest", "youngest"),
    ("win", "lose"), ("won", "lost"), ("start", "end"), ("began", "ended"), ("open", "close"), ("opened", "closed"),
    ("more", "fewer"), ("higher", "lower"), ("larger", "smaller"), ("inner", "outer"), ("positive", "negative"),
    ("import", "export"), ("imported", "exported"), ("allowed", "banned"), ("supported", "opposed"),
) for pair in ((a, b), (b, a)))
_WORD = re.compile(r"[A-Za-z][\w'-]*|\d[\d,.]*")


def swap(question: str, sentence: str, article: str, rng: random.Random) -> str | None:
    """The question with one of the words its answer sentence shares changed to a sibling: an
    antonym, another name or number of the article, or another word of it. The sentence no
    longer answers it ("when was the fig tree planted" against "the quince tree was planted in
    2019"): the case a lexical check passes, made from every answerable question."""
    said = {stem(w) for w in _WORD.findall(sentence)}
    asked = {stem(w) for w in _WORD.findall(question)}
    pool = [w for w in dict.fromkeys(_WORD.findall(article)) if stem(w) not in said and stem(w) not in asked]
    names = [w for w in pool if w[0].isupper() and len(w) > 2]
    nums = [w for w in pool if w[0].isdigit()]
    words = [w for w in pool if w.islower() and len(w) > 3 and stem(w) not in STOPWORDS]
    choices: list[tuple[int, int, str]] = []
    for m in _WORD.finditer(question):
        w = m.group()
        if m.start() == 0 or stem(w) in STOPWORDS or stem(w) in FRAME_WORDS or stem(w) not in said:
            continue
        if w.lower() in ANTONYMS:
            choices.append((m.start(), m.end(), ANTONYMS[w.lower()]))
        elif w[0].isdigit() and nums:
            choices.append((m.start(), m.end(), rng.choice(nums)))
        elif w[0].isupper() and names:
            choices.append((m.start(), m.end(), rng.choice(names)))
        elif w.islower() and len(w) > 3 and words:
            choices.append((m.start(), m.end(), rng.choice(words)))
    if not choices:
        return None
    a, b, new = rng.choice(choices)
    return question[:a] + new + question[b:]


def pairs_of(article: dict, rng: random.Random, others: int, swaps: float = 0.0) -> Iterator[Pair]:
    title = article["title"]
    text = " ".join(para["context"] for para in article["paragraphs"])
    for p_i, para in enumerate(article["paragraphs"]):
        passage = Result(chunk_id=p_i, path=f"{title}.txt", score=1.0, text=para["context"], heading=title,
                         page=None, start_line=1, end_line=1)
        for qa in para["qas"]:
            ranked = rank(qa["question"], [passage], _no_embedding)
            by_start = sorted(ranked, key=lambda s: s.start)
            rows = dict(zip(map(id, by_start), support.features(qa["question"], by_start).tolist()))
            before = {id(s): (by_start[i - 1].text if i else "") for i, s in enumerate(by_start)}
            impossible = bool(qa.get("is_impossible"))
            answers = qa.get("plausible_answers" if impossible else "answers") or []
            held = [s for s in by_start if _holds(s.text, answers)]
            rest = [s for s in by_start if s not in held]
            if not held:
                continue  # the answer's text spans two sentences: no sentence to label
            labelled = [(s, 0 if impossible else 1, "plausible" if impossible else "gold") for s in held]
            labelled += [(s, 0, "sibling") for s in (rest if impossible else rng.sample(rest, min(others, len(rest))))]
            for s, label, kind in labelled:
                yield Pair(title, qa["id"], qa["question"], s.text, before[id(s)], label, kind, s.answers_question,
                           [round(x, 5) for x in rows[id(s)]])
            if swaps and not impossible and rng.random() < swaps:
                changed = swap(qa["question"], held[0].text, text, rng)
                if changed:
                    again = sorted(rank(changed, [passage], _no_embedding), key=lambda s: s.start)
                    mine = next(s for s in again if s.start == held[0].start)
                    row = support.features(changed, again)[again.index(mine)].tolist()
                    yield Pair(title, qa["id"] + "-swap", changed, mine.text, before[id(held[0])], 0, "swap",
                               mine.answers_question, [round(x, 5) for x in row])


def figures(pairs: list[Pair]) -> dict:
    """The baseline on pairs (does it call a sentence an answer?) and on questions (is any
    sentence of the paragraph called one: would it be shown as supported, or declined?)."""
    tp = sum(p.baseline and p.label == 1 for p in pairs)
    fp = sum(p.baseline and p.label == 0 for p in pairs)
    fn = sum(not p.baseline and p.label == 1 for p in pairs)
    by_q: dict[str, list[Pair]] = {}
    for p in pairs:
        by_q.setdefault(p.qid, []).append(p)
    answerable = [ps for ps in by_q.values() if any(p.kind == "gold" for p in ps)]
    unanswerable = [ps for ps in by_q.values() if any(p.kind == "plausible" for p in ps)]
    hard = [p for p in pairs if p.kind == "plausible"]
    swapped = [p for p in pairs if p.kind == "swap"]
    return {
        "pairs": len(pairs), "positive": sum(p.label for p in pairs),
        "precision": round(tp / ((tp + fp) or 1), 3), "recall": round(tp / ((tp + fn) or 1), 3),
        "hard_negatives_passed": round(sum(p.baseline for p in hard) / (len(hard) or 1), 3),
        "swaps_passed": round(sum(p.baseline for p in swapped) / (len(swapped) or 1), 3),
        "answerable_questions": len(answerable), "unanswerable_questions": len(unanswerable),
        "gold_sentence_passes": round(sum(any(p.baseline for p in ps if p.kind == "gold") for ps in answerable)
                                      / (len(answerable) or 1), 3),
        "unanswerable_declined": round(sum(not any(p.baseline for p in ps) for ps in unanswerable)
                                       / (len(unanswerable) or 1), 3),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="folder for train.jsonl, held-out.jsonl and split.json")
    ap.add_argument("--held-out", type=int, default=10, help="dev articles held out from training")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--others", type=int, default=2, help="other sentences of the paragraph per answerable question")
    ap.add_argument("--swaps", type=float, default=0.5,
                    help="share of answerable questions that also give a swapped question against their answer (label 0)")
    args = ap.parse_args(argv)
    for data in (TRAIN10, DEV25):
        if not data.is_file():
            print(f"pairs.py: {data} not found (../shared/ beside the project)", file=sys.stderr)
            return 1
    train_articles = json.loads(TRAIN10.read_text(encoding="utf-8"))["data"]
    dev = json.loads(DEV25.read_text(encoding="utf-8"))["data"]
    rng = random.Random(args.seed)
    order = list(range(len(dev)))
    rng.shuffle(order)
    held_idx = set(order[:args.held_out])
    held_articles = [a for i, a in enumerate(dev) if i in held_idx]
    train_articles += [a for i, a in enumerate(dev) if i not in held_idx]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    split = {"seed": args.seed, "train": [a["title"] for a in train_articles], "held_out": [a["title"] for a in held_articles]}
    (out / "split.json").write_text(json.dumps(split, indent=2), encoding="utf-8")
    for name, articles in (("train", train_articles), ("held-out", held_articles)):
        pairs = [p for a in articles for p in pairs_of(a, rng, args.others, args.swaps)]
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as f:
            for p in pairs:
                f.write(json.dumps(asdict(p)) + "\n")
        print(f"{name}: {len(articles)} articles; baseline (today's lexical check): {json.dumps(figures(pairs))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
