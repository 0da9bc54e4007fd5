"""Export the trained cross-encoder to ONNX, quantise it to int8, and check the copy scores as
the original does: what ships is run by onnxruntime and tokenizers, with no torch at run time.

    TRAIN_PYTHON training/verifier/export.py --model OUT/model --to models/verifier [--pairs DIR]

Writes ``model.onnx`` (int8) and ``tokenizer.json`` into ``--to``, then prints their sha256 and
the largest gap between torch's and the int8 copy's probabilities on a few hundred held-out pairs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="the folder train.py saved (OUT/model)")
    ap.add_argument("--to", required=True, help="where model.onnx and tokenizer.json go")
    ap.add_argument("--pairs", help="pairs.py's folder: compare torch and the int8 copy on held-out pairs")
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--per-channel", action=argparse.BooleanOptionalAction, default=True,
                    help="int8 scales per output channel, not per tensor: closer to the original's scores")
    args = ap.parse_args(argv)

    import numpy as np
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from tokenizers import Tokenizer
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    src, to = Path(args.model), Path(args.to)
    to.mkdir(parents=True, exist_ok=True)
    model = AutoModelForSequenceClassification.from_pretrained(src).eval()
    tok = AutoTokenizer.from_pretrained(src)
    sample = tok(["what is asked"], ["a sentence that answers it"], return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"logits": {0: "batch"}}
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "model.onnx"
        torch.onnx.export(model, tuple(sample[n] for n in names), str(full), input_names=names, output_names=["logits"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
        quantize_dynamic(str(full), str(to / "model.onnx"), weight_type=QuantType.QInt8, per_channel=args.per_channel)
    shutil.copy(src / "tokenizer.json", to / "tokenizer.json")

    report: dict = {"model.onnx": sha256(to / "model.onnx"), "tokenizer.json": sha256(to / "tokenizer.json"),
                    "size_mb": round((to / "model.onnx").stat().st_size / 1e6, 1)}
    if args.pairs:
        sys.path.insert(0, str(Path(__file__).parent))
        from train import load, text_b

        held = load(Path(args.pairs) / "held-out.jsonl")[:300]
        texts = [(p["question"], text_b(p)) for p in held]
        with torch.no_grad():
            enc = tok([q for q, _ in texts], [t for _, t in texts], padding=True, truncation=True,
                      max_length=args.max_length, return_tensors="pt")
            want = torch.sigmoid(model(**enc).logits[:, 0]).numpy()
        t = Tokenizer.from_file(str(to / "tokenizer.json"))
        t.enable_truncation(args.max_length)
        t.enable_padding()
        got_enc = t.encode_batch(texts)
        feed = {"input_ids": np.array([e.ids for e in got_enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in got_enc], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in got_enc], dtype=np.int64)}
        logits = ort.InferenceSession(str(to / "model.onnx"), providers=["CPUExecutionProvider"]).run(None, feed)[0][:, 0]
        got = 1 / (1 + np.exp(-logits))
        report["largest_gap_torch_vs_int8"] = round(float(np.abs(got - want).max()), 4)
        report["mean_gap_torch_vs_int8"] = round(float(np.abs(got - want).mean()), 4)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
