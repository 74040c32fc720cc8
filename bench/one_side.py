"""Stance with and without one side per speaker and article (model/stance.py: one_side_per_speaker), for
one or more trained models, on the dev and test gold quotes with gold speakers.

    python bench/one_side.py [MODEL_DIR ...]   (default: artifacts)

Prints, per model and split, macro-F1 with each quote read on its own and with a speaker's quotes in one
article sharing one side, the held-out disputes' macro-F1 both ways (test), and the share of
FAVOR/AGAINST quotes labelled FAVOR or AGAINST. The encoder runs in int8, as the product does.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model.cli import keep_freed_memory  # noqa: E402
from model.corpus import TEST_ONLY_DISPUTES, load_disputes  # noqa: E402
from model.evaluation import macro_f1  # noqa: E402
from model.stance import LABELS, StanceModel, examples_from_articles, one_side_per_speaker, opposites, speaker_groups  # noqa: E402
from model.training import load_split  # noqa: E402


def main(dirs: list[str]) -> int:
    import torch

    keep_freed_memory()
    torch.set_num_threads(2)
    disputes = load_disputes()
    opp = opposites(disputes)
    for d in dirs or ["artifacts"]:
        sm = StanceModel.load(Path(d) / "stance", int8=True)
        context = sm.meta.get("hyperparameters", {}).get("context", True)
        for split in ("dev", "test"):
            arts = load_split(split)
            ex = examples_from_articles(arts, context, disputes=disputes)
            gold = [e["label"] for e in ex]
            alone = sm.proba_of(sm.encode([e["text"] for e in ex]), [e["target"] for e in ex], opp)
            held = [i for i, e in enumerate(ex) if e["dispute"] in TEST_ONLY_DISPUTES]
            polar = [i for i, g in enumerate(gold) if g != "NONE"]
            cells = []
            for name, probs in (("alone", alone), ("one side", one_side_per_speaker(alone, speaker_groups(arts)))):
                pred = [LABELS[i] for i in probs.argmax(axis=1)]
                cell = f"{name} {macro_f1(gold, pred)['macro_f1']:.4f}"
                if held:
                    cell += f" held out {macro_f1([gold[i] for i in held], [pred[i] for i in held])['macro_f1']:.4f}"
                cells.append(cell + f" polar {sum(pred[i] != 'NONE' for i in polar) / len(polar):.3f}")
            print(f"{d} {split}: " + " | ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
