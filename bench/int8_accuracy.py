"""Accuracy of the int8 stance encoder (the default) against fp32, on the dev and test gold quotes.

    python bench/int8_accuracy.py [--model-dir artifacts]

Prints, for each split and each precision, macro-F1 with one reading (the target alone), with both
readings (the target and its opposite) and with both readings and one side per speaker and article (as
the product answers), and, as the product answers, the held-out disputes' macro-F1 and the share of
FAVOR/AGAINST quotes whose label flips with the target. A faster path that loses more than
0.01 dev macro-F1 does not become the default; int8 became the default by staying within it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from types import SimpleNamespace  # noqa: E402

from model.corpus import TEST_ONLY_DISPUTES, load_disputes  # noqa: E402
from model.report import stance_figures  # noqa: E402
from model.stance import StanceModel  # noqa: E402
from model.training import load_split  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", default="artifacts")
    a = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    disputes = load_disputes()
    models = {name: StanceModel.load(Path(a.model_dir) / "stance", int8=name == "int8") for name in ("fp32", "int8")}
    for split in ("dev", "test"):
        arts = load_split(split)
        for name, sm in models.items():
            fig = stance_figures(SimpleNamespace(stance=sm), arts, True, disputes, n_boot=10)
            line = (f"{split:<5} {name}  macro-F1 one reading {fig['one_view']['macro_f1']:.4f}, "
                    f"both {fig['quote_by_quote']['macro_f1']:.4f}, one side per speaker {fig['overall']['macro_f1']:.4f}")
            if any(x["dispute"] in TEST_ONLY_DISPUTES for x in arts):
                line += f", held out {fig['held_out']['macro_f1']:.4f}"
            print(line + f", flips {fig['flip']['flipped']:.3f}", flush=True)
    return 0

if __name__ == "__main__":
    sys.exit(main())
