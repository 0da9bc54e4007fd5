"""Answer latency with the bundled models: a warm process and a one-shot `localrag ask`.

    .venv/bin/python bench/answers.py [--runs 5] [--model PATH] [--verifier on|off]

Indexes the sample documents in a temporary LOCALRAG_HOME (models are assembled there once,
before timing), then prints medians of:
- warm: time to the model's first token, and to the first text shown (evidence ranked, the
  short answer generated and checked), in one long-lived process;
- one-shot: the wall time of `localrag ask` as a user runs it, model loading included.
Targets: first shown text <= 1.0 s warm; one-shot ask <= 3 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["How long does the descaling program run?", "How long is the warranty?",
             "What is a decorator?", "How often should I descale the machine?",
             "What does localrag do with hidden files?"]


def timed_ask(app, gen, question: str) -> tuple[float | None, float]:
    """Seconds to the model's first token (through its real stream, completion or chat) and to
    the first shown text."""
    name = "stream_chat" if gen.chat else "stream"
    original = getattr(gen, name)
    t0 = time.perf_counter()
    token: list[float] = []
    shown: list[float] = []

    def timed(*a, **k):
        for i, piece in enumerate(original(*a, **k)):
            if i == 0 and not token:
                token.append(time.perf_counter() - t0)
            yield piece

    setattr(gen, name, timed)
    try:
        app.library.ask(question, on_text=lambda _: shown or shown.append(time.perf_counter() - t0))
    finally:
        setattr(gen, name, original)
    return (token[0] if token else None), shown[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--model", help="a GGUF file to answer with (default: the default model)")
    ap.add_argument("--verifier", choices=("on", "off"), help="with the answerability verifier or without (default: the settings')")
    args = ap.parse_args()
    model = ["--model", args.model] if args.model else []
    with tempfile.TemporaryDirectory(prefix="localrag-bench-") as home:
        env = dict(os.environ, LOCALRAG_HOME=home)
        subprocess.run([sys.executable, "-m", "localrag", "add", str(ROOT / "assets" / "sample-docs")], env=env,
                       check=True, capture_output=True)
        if args.verifier:
            subprocess.run([sys.executable, "-m", "localrag", "config", "set", "verifier", str(args.verifier == "on").lower()],
                           env=env, check=True, capture_output=True)
        os.environ["LOCALRAG_HOME"] = home
        from localrag.config import Settings, get_paths
        from localrag.core import Localrag

        paths = get_paths()
        settings = Settings.load(paths)
        if args.model:
            settings.llm_model = args.model
        app = Localrag(paths, settings)
        app.resident.keep_vectors_in_memory()
        gen = app.models.generator
        app.library.ask(QUESTIONS[0])  # warm-up: first calls pay for lazy set-up
        first_token: list[float] = []
        first_text: list[float] = []
        for q in QUESTIONS * max(1, args.runs // len(QUESTIONS) + 1):
            token, text = timed_ask(app, gen, q)
            if token is not None:
                first_token.append(token)
            first_text.append(text)
        app.close()

        wall: list[float] = []
        for q in QUESTIONS[: args.runs]:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "localrag", "ask", q, *model], env=env, check=True, capture_output=True)
            wall.append(time.perf_counter() - t0)

    print(f"warm, model's first token:   median {statistics.median(first_token):.2f} s "
          f"(max {max(first_token):.2f}, {len(first_token)} questions)")
    print(f"warm, first shown text:      median {statistics.median(first_text):.2f} s "
          f"(max {max(first_text):.2f})  target <= 1.0 s")
    print(f"one-shot `localrag ask`:     median {statistics.median(wall):.2f} s "
          f"(max {max(wall):.2f}, {len(wall)} runs)  target <= 3 s")
    sys.path.insert(0, str(Path(__file__).parent))
    from figures import write_figures

    label = args.model or "the bundled Gemma 3 270M"
    write_figures("answers", f"Answer latency ({label})", ["measure", "median s", "max s", "runs", "target"], [
        ["warm: the model's first token", f"{statistics.median(first_token):.2f}", f"{max(first_token):.2f}",
         len(first_token), ""],
        ["warm: first text shown", f"{statistics.median(first_text):.2f}", f"{max(first_text):.2f}", len(first_text),
         "<= 1.0 s"],
        ["one-shot `localrag ask`", f"{statistics.median(wall):.2f}", f"{max(wall):.2f}", len(wall), "<= 3 s"],
    ], command="bench/answers.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
