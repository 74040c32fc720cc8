"""The evaluation report of both stages: `evaluate_all` computes every figure on a corpus split and
writes `report.md`, a self-contained `report.html` (plots as inline SVG) and `metrics.json`."""
from __future__ import annotations

import html
import json
import platform
import re
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from model.corpus import DATA, TEST_ONLY_DISPUTES, load_disputes
from model.evaluation import bootstrap_ci, macro_f1, match, score_stage1, trim
from model.pipeline import STAGE1_DIR, STANCE_DIR, ArticleIn, Pipeline
from model.stance import LABEL2ID, ece, examples_from_articles, one_side_per_speaker, opposites, softmax, speaker_groups
from model.training import file_sha256, load_split
from model.types import FLIP, LABELS

# ---------------------------------------------------------------- baselines


NAIVE_RE = re.compile(r"\"([^\"\n]{2,}?)\"|“([^”\n]{2,}?)”")
CAP_RE = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")


def naive_stage1(text: str) -> list[dict]:
    """Quote-mark regex with the nearest capitalised name: the baseline every tool must beat."""
    names = [(m.start(), m.end()) for m in CAP_RE.finditer(text)]
    out = []
    for m in NAIVE_RE.finditer(text):
        s, e = (m.start(1), m.end(1)) if m.group(1) is not None else (m.start(2), m.end(2))
        near = min(names, key=lambda n: min(abs(n[0] - e), abs(s - n[1])), default=None)
        out.append({"start": s, "end": e, "speaker": text[near[0]:near[1]] if near else None,
                    "speaker_mention": {"start": near[0], "end": near[1]} if near else None})
    return out


def stance_baselines(train_x: list[dict], test_x: list[dict]) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    gold = [e["label"] for e in test_x]
    majority = Counter(e["label"] for e in train_x).most_common(1)[0][0]
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    X = vec.fit_transform([e["target"] + " [SEP] " + e["text"] for e in train_x])
    lr = LogisticRegression(max_iter=3000, class_weight="balanced", C=4.0).fit(X, [e["label"] for e in train_x])
    pred = lr.predict(vec.transform([e["target"] + " [SEP] " + e["text"] for e in test_x]))
    return {"majority": macro_f1(gold, [majority] * len(gold)), "tfidf_lr": macro_f1(gold, list(pred)),
            "tfidf_lr_predictions": list(pred)}


# ---------------------------------------------------------------- stance


def stance_figures(pipe: Pipeline, test: list[dict], context: bool, disputes: dict, n_boot: int) -> dict:
    """The classifier alone on gold quote spans (and gold speakers): overall, per dispute, held-out
    disputes apart, the flip test and calibration."""
    sm, opp = pipe.stance, opposites(disputes)
    ex = examples_from_articles(test, context, disputes=disputes)
    flipped = examples_from_articles(test, context, flip=True, disputes=disputes)[1::2]
    targets, fl_targets = [e["target"] for e in ex], [e["target"] for e in flipped]
    t0 = time.time()
    q = sm.encode([e["text"] for e in ex])  # each quote encoded once for all the readings below
    groups = speaker_groups(test)
    alone = sm.proba_of(q, targets, opp)  # both views of the target, each quote on its own
    probs = one_side_per_speaker(alone, groups)  # what the product answers
    seconds = time.time() - t0
    logits = sm.logits_of(q, targets)  # the network alone, one view
    probs_raw = softmax(logits)
    pred = [LABELS[i] for i in probs.argmax(axis=1)]
    one_view = [LABELS[i] for i in logits.argmax(axis=1)]
    gold = [e["label"] for e in ex]
    fl_pred = [LABELS[i] for i in sm.proba_of(q, fl_targets, opp, groups).argmax(axis=1)]
    fl_one = [LABELS[i] for i in sm.logits_of(q, fl_targets).argmax(axis=1)]
    polar = [i for i, g in enumerate(gold) if g != "NONE"]

    def flips(a, b):
        return sum(a[i] != "NONE" and b[i] == FLIP[a[i]] for i in polar) / max(1, len(polar))

    both_right = sum(pred[i] == gold[i] and fl_pred[i] == FLIP[gold[i]] for i in polar)
    by_dispute = defaultdict(lambda: ([], []))
    for e, p in zip(ex, pred):
        by_dispute[e["dispute"]][0].append(e["label"])
        by_dispute[e["dispute"]][1].append(p)
    held = [i for i, e in enumerate(ex) if e["dispute"] in TEST_ONLY_DISPUTES]
    seen = [i for i, e in enumerate(ex) if e["dispute"] not in TEST_ONLY_DISPUTES]
    pairs = list(zip(gold, pred))
    ids = [LABEL2ID[g] for g in gold]
    return {
        "n": len(ex), "overall": macro_f1(gold, pred),
        "macro_f1_ci95": bootstrap_ci(lambda s: macro_f1([g for g, _ in s], [p for _, p in s])["macro_f1"], pairs, n_boot),
        "held_out": macro_f1([gold[i] for i in held], [pred[i] for i in held]),
        "held_out_disputes": list(TEST_ONLY_DISPUTES),
        "seen_disputes": macro_f1([gold[i] for i in seen], [pred[i] for i in seen]),
        "by_dispute": {d: {"n": len(g), "accuracy": sum(a == b for a, b in zip(g, p)) / len(g),
                           "macro_f1": macro_f1(g, p)["macro_f1"]} for d, (g, p) in sorted(by_dispute.items())},
        "flip": {"n_polar": len(polar), "flipped": flips(pred, fl_pred), "flipped_one_view": flips(one_view, fl_one),
                 "right_both_ways": both_right / max(1, len(polar))},
        "one_view": macro_f1(gold, one_view),
        "quote_by_quote": macro_f1(gold, [LABELS[i] for i in alone.argmax(axis=1)]),
        "calibration": {"temperature": sm.temperature, "temperature_two_readings": sm.temperature_two,
                        "ece_before": ece(probs_raw, ids),
                        "ece_after_one_view": ece(softmax(logits / sm.temperature), ids), "ece_after": ece(probs, ids),
                        "reliability": reliability(probs, ids)},
        "quotes_per_second": len(ex) / max(seconds, 1e-9),
        "_pred": pred, "_probs": probs.tolist(), "_examples": ex,
    }


def reliability(probs: np.ndarray, gold: list[int], bins: int = 10) -> list[dict]:
    conf, pred = probs.max(axis=1), probs.argmax(axis=1)
    out = []
    for b in range(bins):
        sel = (conf > b / bins) & (conf <= (b + 1) / bins)
        if sel.any():
            out.append({"bin": (b + 0.5) / bins, "confidence": float(conf[sel].mean()),
                        "accuracy": float((pred[sel] == np.asarray(gold)[sel]).mean()), "n": int(sel.sum())})
    return out


# ---------------------------------------------------------------- stage 1 and end to end


def stage1_figures(pipe: Pipeline, test: list[dict], n_boot: int) -> dict:
    t0 = time.time()
    preds = {a["id"]: [q.to_dict() for q in pipe.quotes(a["text"])] for a in test}
    seconds = time.time() - t0
    scores = score_stage1(test, preds)
    naive = score_stage1(test, {a["id"]: naive_stage1(a["text"]) for a in test})

    def f1_of(arts):
        return score_stage1(arts, preds)["exact"]["quotes"]["f1"]

    def spk_of(arts):
        return score_stage1(arts, preds)["exact"]["speaker_accuracy"] or 0.0

    return {"scores": scores, "naive": naive, "preds": preds,
            "exact_f1_ci95": bootstrap_ci(f1_of, test, n_boot), "speaker_ci95": bootstrap_ci(spk_of, test, n_boot),
            "articles_per_second": len(test) / max(seconds, 1e-9),
            "quotes_per_second": sum(len(p) for p in preds.values()) / max(seconds, 1e-9)}


def end_to_end(pipe: Pipeline, test: list[dict]) -> dict:
    """The whole pipeline on raw text: stance scored on the quotes it found that match gold ones."""
    t0 = time.time()
    arts = pipe.predict_batch([ArticleIn(a["id"], a["text"], a["target"]) for a in test])
    seconds = time.time() - t0
    gold, pred, n_gold = [], [], 0
    for g, a in zip(test, arts):
        pq = [q.to_dict() for q in a.quotes]
        n_gold += len(g["quotes"])
        for gi, pi in match(g["text"], g["quotes"], pq, partial=True):
            gold.append(g["quotes"][gi]["stance"])
            pred.append(pq[pi]["stance"])
    m = macro_f1(gold, pred)
    m["coverage"] = len(gold) / max(1, n_gold)
    m["articles_per_second"] = len(test) / max(seconds, 1e-9)
    return m


# ---------------------------------------------------------------- errors, provenance


def stance_errors(fig: dict, k: int = 10) -> list[dict]:
    rows = []
    for e, p, pr in zip(fig["_examples"], fig["_pred"], fig["_probs"]):
        if p != e["label"]:
            rows.append({"confidence": max(pr), "gold": e["label"], "pred": p, "target": e["target"], "input": e["text"]})
    return sorted(rows, key=lambda r: -r["confidence"])[:k]


def attribution_errors(test: list[dict], preds: dict, k: int = 10) -> list[dict]:
    from model.evaluation import same_speaker

    rows = []
    for a in test:
        t, pq = a["text"], preds[a["id"]]
        for gi, pi in match(t, a["quotes"], pq, partial=False):
            g, p = a["quotes"][gi], pq[pi]
            if g.get("speaker") and not same_speaker(p.get("speaker"), g["speaker"]):
                s = trim(t, g["start"], g["end"])
                rows.append({"article": a["id"], "gold": g["speaker"], "pred": p.get("speaker"),
                             "context": " ".join((t[max(0, s[0] - 160):s[0]] + " [[" + t[s[0]:s[1]][:120] + "]] "
                                                  + t[s[1]:s[1] + 80]).split())})
    return rows[:: max(1, len(rows) // k)][:k]


def folder_hash(d: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    for f in sorted(p for p in Path(d).rglob("*") if p.is_file()):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def provenance(model_dir: Path, split_path: Path) -> dict:
    import sklearn
    import torch
    import transformers

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=DATA.parent).stdout.strip()
    except OSError:
        commit = "unknown"
    return {"git_commit": commit or "unknown", "data_sha256": file_sha256(split_path),
            "stage1_sha256": folder_hash(model_dir / STAGE1_DIR), "stance_sha256": folder_hash(model_dir / STANCE_DIR),
            "python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
            "scikit_learn": sklearn.__version__, "machine": f"{platform.machine()}, {_cores()} cores"}


def _cores() -> int:
    import os

    return os.cpu_count() or 0


def model_sizes(model_dir: Path) -> dict:
    def mb(d):
        return round(sum(f.stat().st_size for f in Path(d).rglob("*") if f.is_file()) / 1e6, 3)

    return {"stage1_mb": mb(model_dir / STAGE1_DIR), "stance_mb": mb(model_dir / STANCE_DIR)}


# ---------------------------------------------------------------- the whole evaluation


def compute(model_dir: Path, split: str = "test", corpus_dir: Path = DATA / "corpus", polnear: str | None = None,
            n_boot: int = 1000, ablation: str | None = None) -> dict:
    """Every figure of the report, recomputed from the models and the gold split."""
    pipe = Pipeline.load(model_dir)
    disputes = load_disputes()
    test, train = load_split(split, corpus_dir), load_split("train", corpus_dir)
    context = pipe.stance.meta.get("hyperparameters", {}).get("context", True)
    s1 = stage1_figures(pipe, test, n_boot)
    st = stance_figures(pipe, test, context, disputes, n_boot)
    train_x = examples_from_articles(train, context, flip=True, disputes=disputes)
    base = stance_baselines(train_x, st["_examples"])
    held = [i for i, e in enumerate(st["_examples"]) if e["dispute"] in TEST_ONLY_DISPUTES]
    gold = [e["label"] for e in st["_examples"]]
    base_pred = base.pop("tfidf_lr_predictions")
    base["tfidf_lr_held_out"] = macro_f1([gold[i] for i in held], [base_pred[i] for i in held])
    metrics = {
        "split": split, "n_articles": len(test), "n_quotes": sum(len(a["quotes"]) for a in test),
        "stage1": {"corpus": s1["scores"], "naive_baseline": s1["naive"], "exact_f1_ci95": s1["exact_f1_ci95"],
                   "speaker_accuracy_ci95": s1["speaker_ci95"]},
        "stance": {"context": context, "precision": "int8" if pipe.stance.meta.get("int8") else "fp32",
                   **{k: v for k, v in st.items() if not k.startswith("_")}},
        "stance_baselines": base,
        "end_to_end": end_to_end(pipe, test),
        "speed": {"stage1_articles_per_second": s1["articles_per_second"],
                  "stage1_quotes_per_second": s1["quotes_per_second"],
                  "stance_quotes_per_second": st["quotes_per_second"], **model_sizes(Path(model_dir))},
        "errors": {"stance": stance_errors(st), "attribution": attribution_errors(test, s1["preds"])},
        "provenance": provenance(Path(model_dir), Path(corpus_dir) / f"{split}.jsonl"),
        "training": json.loads((Path(model_dir) / "training.json").read_text())
        if (Path(model_dir) / "training.json").exists() else None,
    }
    if ablation:  # another stance model (e.g. trained with --no-context) on the same gold spans
        from model.stance import StanceModel

        other = Pipeline(pipe.qfilter, pipe.ranker, StanceModel.load(Path(ablation) / STANCE_DIR,
                                                                     int8=bool(pipe.stance.meta.get("int8"))))
        octx = other.stance.meta.get("hyperparameters", {}).get("context", True)
        fig = stance_figures(other, test, octx, disputes, n_boot)
        metrics["ablation"] = {"model_dir": str(ablation), "context": octx,
                               **{k: v for k, v in fig.items() if not k.startswith("_")}}
    if polnear:
        from model.polnear import load as load_polnear

        docs = load_polnear(polnear, "test")
        preds = {d["id"]: [q.to_dict() for q in pipe.quotes(d["text"])] for d in docs}
        metrics["stage1"]["polnear_test"] = score_stage1(docs, preds)
        metrics["stage1"]["polnear_naive"] = score_stage1(docs, {d["id"]: naive_stage1(d["text"]) for d in docs})
    return metrics


def evaluate_all(a) -> str:
    """`evaluate.py`: compute, write the three files, return a short summary for the terminal."""
    model_dir = Path(a.model_dir)
    out = Path(a.out) if a.out else model_dir / "report"
    metrics = compute(model_dir, a.split, Path(a.corpus) if a.corpus else DATA / "corpus", a.polnear, a.bootstrap,
                      getattr(a, "ablation", None))
    write_report(metrics, out)
    return summary(metrics) + f"\nreport: {out}/report.md, {out}/report.html, {out}/metrics.json"


# ---------------------------------------------------------------- rendering


def headline_rows(m: dict) -> list[list[str]]:
    ex, pa = m["stage1"]["corpus"]["exact"], m["stage1"]["corpus"]["partial"]
    st, base = m["stance"], m["stance_baselines"]
    nv, nvp = m["stage1"]["naive_baseline"]["exact"], m["stage1"]["naive_baseline"]["partial"]
    ci, sci, stci = m["stage1"]["exact_f1_ci95"], m["stage1"]["speaker_accuracy_ci95"], st["macro_f1_ci95"]
    tf, maj, tfh = base["tfidf_lr"], base["majority"], base["tfidf_lr_held_out"]
    e2e, cal = m["end_to_end"], st["calibration"]
    rows = [
        ["Quotes, exact F1", f"{ex['quotes']['f1']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]", f"naive regex {nv['quotes']['f1']:.3f}"],
        ["Quotes, partial F1", f"{pa['quotes']['f1']:.3f}", f"naive regex {nvp['quotes']['f1']:.3f}"],
        ["Speaker (canonical name) accuracy", f"{ex['speaker_accuracy']:.3f} [{sci[0]:.3f}, {sci[1]:.3f}]",
         f"nearest name {nv['speaker_accuracy'] or 0:.3f}"],
        ["Speaker mention accuracy", f"{ex['mention_accuracy']:.3f}", f"nearest name {nv['mention_accuracy'] or 0:.3f}"],
        ["End-to-end F1 (quote and speaker)", f"{ex['end_to_end']['f1']:.3f}", f"naive {nv['end_to_end']['f1']:.3f}"],
        ["Stance macro-F1 (gold spans)", f"{st['overall']['macro_f1']:.3f} [{stci[0]:.3f}, {stci[1]:.3f}]",
         f"TF-IDF+LR {tf['macro_f1']:.3f}, majority {maj['macro_f1']:.3f}"],
        ["Stance F_avg (FAVOR, AGAINST)", f"{st['overall']['f_avg']:.3f}", f"TF-IDF+LR {tf['f_avg']:.3f}"],
        ["Stance macro-F1, held-out disputes", f"{st['held_out']['macro_f1']:.3f}", f"TF-IDF+LR {tfh['macro_f1']:.3f}"],
        ["Target flip flips the label", f"{st['flip']['flipped']:.3f}", f"of {st['flip']['n_polar']} FAVOR/AGAINST quotes"],
        ["Stance macro-F1, end to end", f"{e2e['macro_f1']:.3f}", f"on {e2e['coverage']:.1%} of gold quotes found"],
        ["Calibration ECE", f"{cal['ece_after']:.3f}", f"{cal['ece_before']:.3f} before temperature"],
    ]
    if "polnear_test" in m["stage1"]:
        p, pn = m["stage1"]["polnear_test"]["exact"], m["stage1"]["polnear_naive"]["exact"]
        rows += [["PolNeAR test: direct-quote exact F1", f"{p['quotes']['f1']:.3f}", f"naive regex {pn['quotes']['f1']:.3f}"],
                 ["PolNeAR test: speaker mention accuracy", f"{p['mention_accuracy']:.3f}",
                  f"nearest name {pn['mention_accuracy'] or 0:.3f}"]]
    return rows


def summary(m: dict) -> str:
    rows = headline_rows(m)
    w = max(len(r[0]) for r in rows)
    return "\n".join(f"{r[0]:<{w}}  {r[1]:<24}  {r[2]}" for r in rows)


def sections(m: dict) -> list[tuple[str, list]]:
    """The report as (heading, blocks); a block is a paragraph string, a table (list of rows, first
    the header) or ("svg", markup)."""
    s1, st = m["stage1"]["corpus"], m["stance"]
    prov = m["provenance"]
    out = [("Headline figures", [f"Split `{m['split']}`: {m['n_articles']} articles, {m['n_quotes']} quotes. "
                                 "Brackets: 95% bootstrap intervals over articles (quotes for stance).",
                                 [["measure", "quotestance", "baseline"], *headline_rows(m)]])]
    det = [["mode", "P", "R", "F1", "predicted", "gold", "not-quotes taken as quotes"]]
    for mode in ("exact", "partial"):
        q = s1[mode]["quotes"]
        det.append([mode, f"{q['p']:.3f}", f"{q['r']:.3f}", f"{q['f1']:.3f}", str(q["n_pred"]), str(q["n_gold"]),
                    f"{s1[mode]['not_quotes_taken']} of {s1[mode]['not_quotes']}"])
    kinds = [["kind", "gold", "recall (exact)", "recall (partial)"]] + [
        [k, str(s1["exact"]["n_by_kind"][k]), f"{v:.3f}", f"{s1['partial']['recall_by_kind'][k]:.3f}"]
        for k, v in s1["exact"]["recall_by_kind"].items()]
    out.append(("Quote detection", [det, "Recall by quote kind:", kinds]))
    spk = [["speaker mention kind (gold)", "canonical name accuracy"]] + [
        [k, f"{v:.3f}"] for k, v in s1["exact"]["speaker_accuracy_by_mention_kind"].items()]
    out.append(("Speaker attribution", [
        f"On exactly matched quotes: canonical name accuracy {s1['exact']['speaker_accuracy']:.3f} (lenient, surname "
        f"match: {s1['exact']['speaker_accuracy_lenient']:.3f}); speaker-mention accuracy {s1['exact']['mention_accuracy']:.3f}; "
        f"end-to-end F1 {s1['exact']['end_to_end']['f1']:.3f}.", spk]))
    per = [["label", "P", "R", "F1", "gold"]] + [[c, f"{v['p']:.3f}", f"{v['r']:.3f}", f"{v['f1']:.3f}", str(v["n_gold"])]
                                                 for c, v in st["overall"]["per_class"].items()]
    disp = [["dispute", "quotes", "accuracy", "macro-F1"]] + [
        [d + (" (held out)" if d in st["held_out_disputes"] else ""), str(v["n"]), f"{v['accuracy']:.3f}", f"{v['macro_f1']:.3f}"]
        for d, v in st["by_dispute"].items()]
    out.append(("Stance", [
        f"The classifier alone, on gold quote spans and speakers: macro-F1 {st['overall']['macro_f1']:.3f}, F_avg "
        f"{st['overall']['f_avg']:.3f}, accuracy {st['overall']['accuracy']:.3f}. Disputes seen in training: "
        f"{st['seen_disputes']['macro_f1']:.3f}; held out of training ({', '.join(st['held_out_disputes'])}): "
        f"{st['held_out']['macro_f1']:.3f}. Swapping the target for its counter-statement flips the predicted label "
        f"on {st['flip']['flipped']:.1%} of the {st['flip']['n_polar']} FAVOR/AGAINST quotes (right both ways: "
        f"{st['flip']['right_both_ways']:.1%}). These figures read each quote against the target and, where the "
        f"target's opposite is known, against that too (averaged, FAVOR and AGAINST swapped); the network alone, "
        f"one reading: macro-F1 {st['one_view']['macro_f1']:.3f}, flips {st['flip']['flipped_one_view']:.1%}. "
        f"A speaker's quotes in one article then share one side (FAVOR or AGAINST, each quote keeping its own "
        f"NONE); each quote read on its own: macro-F1 {st['quote_by_quote']['macro_f1']:.3f}. "
        f"End to end (stage 1's quotes and speakers): macro-F1 "
        f"{m['end_to_end']['macro_f1']:.3f} on the {m['end_to_end']['coverage']:.1%} of gold quotes found. "
        f"The stance encoder ran in {st.get('precision', 'fp32')}, as the product does by default.",
        per, ("svg", confusion_svg(st["overall"]["confusion"])), "Accuracy by dispute:", disp]))
    out.append(("Baselines", [[["stance model", "macro-F1", "F_avg", "held-out macro-F1"],
                               ["majority class", f"{m['stance_baselines']['majority']['macro_f1']:.3f}",
                                f"{m['stance_baselines']['majority']['f_avg']:.3f}", "–"],
                               ["TF-IDF + logistic regression", f"{m['stance_baselines']['tfidf_lr']['macro_f1']:.3f}",
                                f"{m['stance_baselines']['tfidf_lr']['f_avg']:.3f}",
                                f"{m['stance_baselines']['tfidf_lr_held_out']['macro_f1']:.3f}"],
                               ["quotestance", f"{st['overall']['macro_f1']:.3f}", f"{st['overall']['f_avg']:.3f}",
                                f"{st['held_out']['macro_f1']:.3f}"]],
                              "Stage 1's baseline (a quote-mark regex with the nearest capitalised name) is in the "
                              "headline table."]))
    if "ablation" in m:
        ab = m["ablation"]
        rows = [["stance model", "input", "macro-F1", "F_avg", "held-out macro-F1", "flip"]]
        for name, fig, ctx in (("this model", st, st["context"]), (ab["model_dir"], ab, ab["context"])):
            rows.append([name, "quote with the sentences around it" if ctx else "quote only",
                         f"{fig['overall']['macro_f1']:.3f}", f"{fig['overall']['f_avg']:.3f}",
                         f"{fig['held_out']['macro_f1']:.3f}", f"{fig['flip']['flipped']:.3f}"])
        out.append(("Context ablation", ["The worth of the context: the same training with and without the "
                                         "sentence before and after each quote.", rows]))
    cal = st["calibration"]
    out.append(("Calibration", [f"Temperatures fitted on dev: {cal['temperature']:.2f} for one reading, "
                                f"{cal['temperature_two_readings']:.2f} for a reading averaged with its opposite (the "
                                f"product's answer for a known target); expected calibration error on this split "
                                f"{cal['ece_before']:.3f} before, {cal['ece_after']:.3f} after ({cal['ece_after_one_view']:.3f} "
                                f"for one reading).",
                                ("svg", reliability_svg(cal["reliability"]))]))
    errs = [["confidence", "gold", "predicted", "target", "input"]] + [
        [f"{e['confidence']:.2f}", e["gold"], e["pred"], e["target"], e["input"][:300]] for e in m["errors"]["stance"]]
    aerrs = [["article", "gold speaker", "predicted", "context"]] + [
        [e["article"], e["gold"], str(e["pred"]), e["context"]] for e in m["errors"]["attribution"]]
    out.append(("Errors", ["The 10 most confident stance errors:", errs, "Attribution errors (a spread sample):", aerrs]))
    sp = m["speed"]
    out.append(("Speed and size", [[["measure", "value"],
                                    ["stage 1, articles/s", f"{sp['stage1_articles_per_second']:.1f}"],
                                    ["stage 1, quotes/s", f"{sp['stage1_quotes_per_second']:.1f}"],
                                    ["stance, quotes/s", f"{sp['stance_quotes_per_second']:.1f}"],
                                    ["whole pipeline, articles/s", f"{m['end_to_end']['articles_per_second']:.2f}"],
                                    ["stage-1 models, MB", str(sp["stage1_mb"])], ["stance model, MB", str(sp["stance_mb"])]],
                                   f"Measured on {prov['machine']} while evaluating."]))
    if "polnear_test" in m["stage1"]:
        rows = [["PolNeAR test", "exact P", "exact R", "exact F1", "partial F1", "mention accuracy"]]
        for name, key in (("quotestance", "polnear_test"), ("naive regex + nearest name", "polnear_naive")):
            e, p = m["stage1"][key]["exact"], m["stage1"][key]["partial"]
            rows.append([name, f"{e['quotes']['p']:.3f}", f"{e['quotes']['r']:.3f}", f"{e['quotes']['f1']:.3f}",
                         f"{p['quotes']['f1']:.3f}", f"{(e['mention_accuracy'] or 0):.3f}"])
        out.append(("External benchmark: PolNeAR", ["Direct quotes of 84 US political news articles (PolNeAR test "
                                                    "split); gold speakers are source mentions.", rows]))
    out.append(("Provenance", [[["item", "value"], *[[k, str(v)] for k, v in prov.items()]]]))
    return out


def confusion_svg(cm: list[list[int]]) -> str:
    cell, pad = 70, 90
    top = max(max(r) for r in cm) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{pad + 3 * cell + 20}" height="{pad + 3 * cell + 30}" '
             'font-family="sans-serif" font-size="13" role="img" aria-label="confusion matrix">']
    for i, g in enumerate(LABELS):
        parts.append(f'<text x="{pad - 8}" y="{pad + i * cell + cell / 2 + 4}" text-anchor="end">{g}</text>')
        parts.append(f'<text x="{pad + i * cell + cell / 2}" y="{pad - 10}" text-anchor="middle">{g}</text>')
        for j in range(3):
            shade = int(245 - 180 * cm[i][j] / top)
            parts.append(f'<rect x="{pad + j * cell}" y="{pad + i * cell}" width="{cell}" height="{cell}" '
                         f'fill="rgb({shade},{shade},255)" stroke="#fff"/>')
            parts.append(f'<text x="{pad + j * cell + cell / 2}" y="{pad + i * cell + cell / 2 + 5}" '
                         f'text-anchor="middle">{cm[i][j]}</text>')
    parts.append(f'<text x="{pad + 1.5 * cell}" y="{pad - 32}" text-anchor="middle" font-weight="bold">predicted</text>')
    parts.append(f'<text x="12" y="{pad + 1.5 * cell}" transform="rotate(-90 12 {pad + 1.5 * cell})" '
                 'text-anchor="middle" font-weight="bold">gold</text></svg>')
    return "".join(parts)


def reliability_svg(rows: list[dict]) -> str:
    size, pad = 260, 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + 2 * pad}" height="{size + 2 * pad}" '
             'font-family="sans-serif" font-size="12" role="img" aria-label="reliability diagram">',
             f'<rect x="{pad}" y="{pad}" width="{size}" height="{size}" fill="none" stroke="#999"/>',
             f'<line x1="{pad}" y1="{pad + size}" x2="{pad + size}" y2="{pad}" stroke="#bbb" stroke-dasharray="4"/>']
    for r in rows:
        x = pad + r["confidence"] * size
        y = pad + size - r["accuracy"] * size
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{3 + min(9, r["n"] ** 0.5 / 2):.1f}" fill="#1a73e8" '
                     f'fill-opacity="0.7"><title>confidence {r["confidence"]:.2f}, accuracy {r["accuracy"]:.2f}, '
                     f'n={r["n"]}</title></circle>')
    parts.append(f'<text x="{pad + size / 2}" y="{pad + size + 28}" text-anchor="middle">confidence</text>')
    parts.append(f'<text x="14" y="{pad + size / 2}" transform="rotate(-90 14 {pad + size / 2})" '
                 'text-anchor="middle">accuracy</text></svg>')
    return "".join(parts)


def render_md(m: dict) -> str:
    lines = ["# quotestance evaluation report", ""]
    for head, blocks in sections(m):
        lines += [f"## {head}", ""]
        for b in blocks:
            if isinstance(b, str):
                lines += [b, ""]
            elif isinstance(b, tuple):
                lines += ["(plot in report.html)", ""]
            else:
                lines.append("| " + " | ".join(b[0]) + " |")
                lines.append("|" + "---|" * len(b[0]))
                lines += ["| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in r) + " |" for r in b[1:]]
                lines.append("")
    return "\n".join(lines)


def render_html(m: dict) -> str:
    body = []
    for head, blocks in sections(m):
        body.append(f"<h2>{html.escape(head)}</h2>")
        for b in blocks:
            if isinstance(b, str):
                body.append(f"<p>{html.escape(b).replace('`', '')}</p>")
            elif isinstance(b, tuple):
                body.append(f'<figure>{b[1]}</figure>')
            else:
                rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in b[1:])
                head_row = "".join(f"<th>{html.escape(c)}</th>" for c in b[0])
                body.append(f"<table><thead><tr>{head_row}</tr></thead><tbody>{rows}</tbody></table>")
    style = ("body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;color:#202124}"
             "table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ddd;padding:.3rem .5rem;"
             "text-align:left;vertical-align:top}th{background:#f1f3f4}h2{margin-top:2rem}figure{margin:1rem 0}")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>quotestance evaluation</title>'
            f"<style>{style}</style></head><body><h1>quotestance evaluation report</h1>{''.join(body)}</body></html>")


def write_report(m: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(m, indent=1, ensure_ascii=False, default=float))
    (out / "report.md").write_text(render_md(m), encoding="utf-8")
    (out / "report.html").write_text(render_html(m), encoding="utf-8")
