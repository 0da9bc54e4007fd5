"""The embedding model's memory in a long-lived process, with and without the arena shrinking
(localrag.models.embed._Arena), and what it costs in speed.

    .venv/bin/python bench/embed_memory.py [--texts 400]

Each variant runs in a fresh child: the model loaded, then passages of Debian's python3.11-doc
(1,100 characters each, embedded as indexing embeds them), then 30 queries. Prints RSS after the
load, the peak, RSS after the passages and after the queries, passages/s and a query's time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import glob, json, resource, sys, time
import localrag.models.embed as embed
if sys.argv[1] == "without":
    embed._Arena.give_back = lambda self: None
    embed._Arena.__init__ = lambda self, model: setattr(self, "shrink", False)
from localrag.config import Settings, get_paths

def rss():
    with open("/proc/self/status") as f:
        return int(next(l for l in f if l.startswith("VmRSS")).split()[1]) / 1024

paths = get_paths()
e = embed.Embedder(Settings.load(paths).embed_model, paths.models_dir)
loaded = rss()
texts = []
for name in sorted(glob.glob("/usr/share/doc/python3.11/html/_sources/library/*.rst.txt"))[:60]:
    t = open(name, encoding="utf-8").read()
    texts += [t[i:i + 1100] for i in range(0, len(t), 1100)]
texts = texts[:int(sys.argv[2])]
t = time.perf_counter()
e.embed(texts)
rate = len(texts) / (time.perf_counter() - t)
after = rss()
t = time.perf_counter()
for _ in range(30):
    e.embed_query("how long does the descaling program run")
query_ms = (time.perf_counter() - t) / 30 * 1000
print(json.dumps({"loaded": loaded, "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "after_passages": after, "after_queries": rss(), "rate": rate, "query_ms": query_ms}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=400)
    args = ap.parse_args()
    print(f"{'variant':<22}{'loaded':>8}{'peak':>8}{'after passages':>16}{'after queries':>15}"
          f"{'passages/s':>12}{'query':>9}")
    for variant in ("without", "with", "without", "with"):  # twice, interleaved: machines drift
        out = subprocess.run([sys.executable, "-c", CHILD, variant, str(args.texts)], capture_output=True, text=True,
                             check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"{variant + ' shrinking':<22}{r['loaded']:>6.0f}MB{r['peak']:>6.0f}MB{r['after_passages']:>14.0f}MB"
              f"{r['after_queries']:>13.0f}MB{r['rate']:>12.1f}{r['query_ms']:>7.1f}ms", flush=True)


if __name__ == "__main__":
    main()
