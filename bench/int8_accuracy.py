"""Accuracy of the int8 stance encoder against fp32, on the dev and test gold quotes.

    python bench/int8_accuracy.py [--model-dir artifacts]

Prints, for each split and each precision, macro-F1 with one reading (the target alone) and with both
readings (the target and its opposite, as the product answers), the held-out disputes' macro-F1 and the
share of FAVOR/AGAINST quotes whose label flips with the target. A faster path that loses more than
0.01 dev macro-F1 does not become the default.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model.corpus import TEST_ONLY_DISPUTES, load_disputes  # noqa: E402
from model.evaluation import macro_f1  # noqa: E402
from model.stance import StanceModel, examples_from_articles, opposites  # noqa: E402
from model.training import load_split  # noqa: E402
from model.types import FLIP, LABELS  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", default="artifacts")
    a = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    warnings.simplefilter("ignore")  # torch.ao's dynamic quantisation warns of its future move
    disputes = load_disputes()
    opp = opposites(disputes)
    models = {name: StanceModel.load(Path(a.model_dir) / "stance", int8=name == "int8") for name in ("fp32", "int8")}
    for split in ("dev", "test"):
        arts = load_split(split)
        ex = examples_from_articles(arts, True, disputes=disputes)
        swapped = [e["target"] for e in examples_from_articles(arts, True, flip=True, disputes=disputes)[1::2]]
        gold = [e["label"] for e in ex]
        held = [i for i, e in enumerate(ex) if e["dispute"] in TEST_ONLY_DISPUTES]
        polar = [i for i, g in enumerate(gold) if g != "NONE"]
        for name, sm in models.items():
            q = sm.encode([e["text"] for e in ex])
            targets = [e["target"] for e in ex]
            one = [LABELS[i] for i in sm.proba_of(q, targets).argmax(1)]
            two = [LABELS[i] for i in sm.proba_of(q, targets, opp).argmax(1)]
            back = [LABELS[i] for i in sm.proba_of(q, swapped, opp).argmax(1)]
            flips = sum(two[i] != "NONE" and back[i] == FLIP[two[i]] for i in polar) / max(1, len(polar))
            line = (f"{split:<5} {name}  macro-F1 one reading {macro_f1(gold, one)['macro_f1']:.4f}, "
                    f"both {macro_f1(gold, two)['macro_f1']:.4f}")
            if held:
                line += f", held out {macro_f1([gold[i] for i in held], [two[i] for i in held])['macro_f1']:.4f}"
            print(line + f", flips {flips:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
