"""Train the stance model under several settings and score each on dev and test, one JSON line per run.

    python bench/stance_sweep.py [--device cuda] [--backbone DIR] [--out runs.jsonl] [NAME ...]

Meant for a GPU (a run takes about 40 s on one H200; 12 to 15 min on the 2-core CPU machine). NAME picks
runs from SETTINGS; none runs them all. Each line has the dev macro-F1 by epoch and the test figures
that evaluate.py reports (macro-F1, F_avg, held-out disputes, flip). Seeds change the figures by about
0.02, so compare settings over several seeds.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model.corpus import load_disputes  # noqa: E402
from model.report import stance_figures  # noqa: E402
from model.stance import StanceConfig, StanceModel, examples_from_articles, train_stance  # noqa: E402
from model.training import load_split  # noqa: E402

SETTINGS = {
    **{f"default-s{s}": {"seed": s} for s in (13, 2, 3)},
    **{f"train-embeddings-s{s}": {"freeze_embeddings": False, "freeze_layers": 0, "seed": s} for s in (13, 2)},
    **{f"fixed128-s{s}": {"fixed_padding": True, "seed": s} for s in (13, 2, 3)},
    **{f"freeze{k}-s{s}": {"freeze_layers": k, "seed": s} for k in (1, 2, 3) for s in (13, 2)},
    **{f"freeze{k}-epochs{e}-s{s}": {"freeze_layers": k, "epochs": e, "seed": s} for k in (1, 2, 3)
       for e in (5, 8, 9, 10) for s in (13, 2)},
    **{f"epochs{e}-s{s}": {"epochs": e, "seed": s} for e in (4, 5) for s in (13, 2)},
    **{f"lr1.5e-4-s{s}": {"learning_rate": 1.5e-4, "seed": s} for s in (13, 2, 3)},
    "lr2.5e-4": {"learning_rate": 2.5e-4},
    "bs32-lr2e-4": {"batch_size": 32, "learning_rate": 2e-4},
    "len96": {"max_length": 96},
    "epochs12": {"epochs": 12},
    "L4": {"layers": 4},
    "L4-s2": {"layers": 4, "seed": 2},
    "L3": {"layers": 3},
    "L4-epochs12": {"layers": 4, "epochs": 12},
    "L3-epochs16": {"layers": 3, "epochs": 16},
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help=f"runs to do (default: all): {', '.join(SETTINGS)}")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--backbone", type=Path, default=None, help="a copy of the backbone folder (fp16 weights load)")
    ap.add_argument("--out", type=Path, default=Path("artifacts/stance_sweep.jsonl"))
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: all cores); two runs side by side on "
                    "2 cores with one thread each do more work in all than one after the other")
    a = ap.parse_args()
    unknown = [n for n in a.names if n not in SETTINGS]
    if unknown:
        print(f"error: unknown run(s) {unknown}; known: {list(SETTINGS)}", file=sys.stderr)
        return 2
    disputes = load_disputes()
    train, dev, test = load_split("train"), load_split("dev"), load_split("test")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    for name in a.names or list(SETTINGS):
        t0 = time.time()
        cfg = StanceConfig(device=a.device, threads=a.threads, **SETTINGS[name])
        train_x = examples_from_articles(train, cfg.context, flip=True, disputes=disputes)
        dev_x = examples_from_articles(dev, cfg.context, disputes=disputes)
        sm = StanceModel.from_backbone(a.backbone, seed=cfg.seed)  # a copy may hold half-precision weights
        sm.keep_layers(cfg.layers)
        rec = train_stance(sm, train_x, dev_x, cfg, progress=False, disputes=disputes)
        sm.net.to(a.device)
        fig = stance_figures(SimpleNamespace(stance=sm), test, cfg.context, disputes, n_boot=10)
        row = {"name": name, **SETTINGS[name], "dev": round(rec["dev"]["macro_f1"], 4),
               "dev_by_epoch": [h["dev_macro_f1"] for h in rec["history"]],
               "test": round(fig["overall"]["macro_f1"], 4), "f_avg": round(fig["overall"]["f_avg"], 4),
               "held_out": round(fig["held_out"]["macro_f1"], 4), "flip": round(fig["flip"]["flipped"], 4),
               "seconds": round(time.time() - t0, 1)}
        print(json.dumps(row), flush=True)
        with open(a.out, "a") as f:
            f.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
