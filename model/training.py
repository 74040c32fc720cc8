"""Training of every model of both stages on the corpus, as `train.py` runs it."""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from model import quotes as qmod
from model import speakers
from model.corpus import DATA, load_disputes
from model.evaluation import score_stage1
from model.pipeline import STANCE_DIR, Pipeline, write_stage1
from model.stance import StanceConfig, StanceModel, examples_from_articles, train_stance


def load_split(name: str, corpus_dir: Path = DATA / "corpus") -> list[dict]:
    path = Path(corpus_dir) / f"{name}.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `python -m model.corpus build`")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def stage1_predictions(pipe: Pipeline, articles: list[dict]) -> dict[str, list[dict]]:
    return {a["id"]: [q.to_dict() for q in pipe.quotes(a["text"])] for a in articles}


def train_stage1(train: list[dict], dev: list[dict], data_sha: str) -> tuple[qmod.QuoteFilter, speakers.SpeakerRanker, dict]:
    """The quote filter and the speaker ranker, fitted on train and scored on dev."""
    t0 = time.time()
    qf = qmod.train_quote_filter(train)
    rk = speakers.train_speaker_ranker(train)
    seconds = round(time.time() - t0, 2)
    dev_scores = score_stage1(dev, stage1_predictions(Pipeline(qf, rk), dev)) if dev else {}
    summary = {"data_sha256": data_sha, "train_articles": len(train), "train_seconds": seconds,
               "dev_exact_f1": dev_scores.get("exact", {}).get("quotes", {}).get("f1"),
               "dev_speaker_accuracy": dev_scores.get("exact", {}).get("speaker_accuracy")}
    qf.meta.update(summary)
    rk.meta.update(summary)
    return qf, rk, summary


def stage1_card(summary: dict) -> str:
    return f"""# quotestance stage 1 models

- `quote_filter.json`: logistic regression over {len(qmod.FEATURES)} features of each quotation-mark span
  (quote or not: scare quotes, titles, terms, nicknames).
- `speaker_ranker.json`: linear ranker over {len(speakers.CAND_FEATURES)} features of each candidate speaker
  mention near a quote.
- Both are plain JSON coefficients (no pickle), fitted with scikit-learn on the corpus train split
  ({summary['train_articles']} articles, sha256 {summary['data_sha256'][:12]}...).
- Dev: exact quote F1 {summary['dev_exact_f1']}, canonical speaker accuracy {summary['dev_speaker_accuracy']}.
"""


def train_all(out: Path, cfg: StanceConfig, tiny: bool = False, log=print, progress: bool = True,
              corpus_dir: Path = DATA / "corpus", only: str | None = None) -> dict:
    """Train stage 1 and the stance model (or `only` one of them: "stage1", "stance"); save them under
    out/. Returns what was saved and measured, also written to out/training.json (a part not trained
    this time keeps its earlier record there)."""
    out = Path(out)
    train, dev = load_split("train", corpus_dir), load_split("dev", corpus_dir)
    record = out / "training.json"
    summary = json.loads(record.read_text()) if only and record.exists() else {}
    if only in (None, "stage1"):
        qf, rk, s1 = train_stage1(train, dev, file_sha256(Path(corpus_dir) / "train.jsonl"))
        s1_dir = write_stage1(out, qf, rk, stage1_card(s1))
        log(f"stage 1: quote filter and speaker ranker -> {s1_dir}/ (dev exact F1 {s1['dev_exact_f1']:.3f}, "
            f"speaker accuracy {s1['dev_speaker_accuracy']:.3f})")
        summary["stage1"] = s1
    if only in (None, "stance"):
        disputes = load_disputes()
        train_x = examples_from_articles(train, cfg.context, flip=True, disputes=disputes)
        dev_x = examples_from_articles(dev, cfg.context, disputes=disputes)
        sm = StanceModel.tiny(cfg.seed) if tiny else StanceModel.from_backbone(seed=cfg.seed)
        sm.keep_layers(cfg.layers)
        log(f"stance: fine-tuning {sm.meta['backbone']} on {len(train_x)} pairs ({len(train)} articles, targets "
            f"swapped), early stopping on {len(dev_x)} dev quotes")
        rec = train_stance(sm, train_x, dev_x, cfg, progress=progress, disputes=disputes)
        sm.save(out / STANCE_DIR)
        log(f"stance: -> {out / STANCE_DIR}/ (dev macro-F1 {rec['dev'].get('macro_f1', float('nan')):.3f}, "
            f"{rec['train_quotes_per_second']} quotes/s, {rec['train_seconds']} s, temperature {rec['temperature']:.2f})")
        summary["stance"] = {k: v for k, v in rec.items() if k != "history"}
    summary["out"] = str(out)
    out.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(summary, indent=1, ensure_ascii=False))
    return summary
