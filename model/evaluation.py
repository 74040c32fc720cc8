"""Scoring of both stages against gold articles. Every function returns numbers; printing and report
writing are the caller's business.

Quote matching: exact (the trimmed spans are equal) or partial (the prediction covers at least 80%
of the gold characters and at least half of its own characters are gold), one to one, greedy.
"""
from __future__ import annotations

import random
import re
import unicodedata

from model.types import LABELS

EDGE = " \t\n\r\"'“”‘’«»„‟‹›,.;:!?—–-()[]…"
NAME_TITLES = {"mr", "mrs", "ms", "dr", "president", "prime", "minister", "foreign", "secretary", "general",
               "chief", "cabinet", "spokesman", "spokeswoman", "deputy", "sir", "lord", "the", "s"}


def trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in EDGE:
        s += 1
    while e > s and text[e - 1] in EDGE:
        e -= 1
    return s, e


def norm_name(name: str | None) -> str:
    if not name:
        return ""
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(t for t in re.findall(r"[a-z]+", name) if t not in NAME_TITLES)


def same_speaker(pred: str | None, gold: str | None, lenient: bool = False) -> bool:
    p, g = norm_name(pred), norm_name(gold)
    if not p or not g:
        return False
    if p == g:
        return True
    return lenient and (p.split()[-1] == g.split()[-1] or p in g or g in p)


def match(text: str, gold: list[dict], pred: list[dict], partial: bool) -> list[tuple[int, int]]:
    """(gold index, prediction index) pairs, one to one."""
    pairs, used = [], set()
    ptrim = [trim(text, p["start"], p["end"]) for p in pred]
    for gi, g in enumerate(gold):
        gs, ge = trim(text, g["start"], g["end"])
        best, best_cov = None, 0.0
        for pi, (ps, pe) in enumerate(ptrim):
            if pi in used:
                continue
            if not partial:
                cov = 1.0 if (ps, pe) == (gs, ge) else 0.0
            else:
                inter = max(0, min(pe, ge) - max(ps, gs))
                cov = inter / max(1, ge - gs) if inter / max(1, pe - ps) >= 0.5 else 0.0
            if cov >= (0.8 if partial else 1.0) and cov > best_cov:
                best, best_cov = pi, cov
        if best is not None:
            used.add(best)
            pairs.append((gi, best))
    return pairs


def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "n_pred": n_pred, "n_gold": n_gold}


def mention_kind(text: str, span: dict | None) -> str:
    if not span:
        return "none"
    m = text[span["start"]:span["end"]]
    low = m.lower()
    if low in ("he", "she", "they", "we", "i", "it", "who"):
        return "pronoun"
    if re.search(r"\b(ministry|office|government|embassy|agency|kremlin|council|committee|guard|department|"
                 r"administration|party|association|observatory|institute|navy|army|military|court)\b", low):
        return "organisation"
    if low.split()[0] in ("the", "a", "an", "one") or not m[:1].isupper():
        return "description"
    return "name"


def score_stage1(golds: list[dict], preds: dict[str, list[dict]]) -> dict:
    """Quote detection (exact and partial, per kind), not-quotes taken as quotes, speaker accuracy
    (canonical name, strict and lenient; speaker mention) on matched quotes, end-to-end F1."""
    res = {}
    for mode in ("exact", "partial"):
        tp = n_pred = n_gold = 0
        kind_tp, kind_n = {}, {}
        spk = spk_len = spk_n = men = men_n = e2e = 0
        by_mkind: dict[str, list[int]] = {}
        nq_fp = nq_n = 0
        for g in golds:
            text, gq, pq = g["text"], g["quotes"], preds.get(g["id"], [])
            pairs = match(text, gq, pq, mode == "partial")
            tp, n_pred, n_gold = tp + len(pairs), n_pred + len(pq), n_gold + len(gq)
            hit = {gi for gi, _ in pairs}
            for gi, q in enumerate(gq):
                kind_n[q["kind"]] = kind_n.get(q["kind"], 0) + 1
                kind_tp[q["kind"]] = kind_tp.get(q["kind"], 0) + (gi in hit)
            for gi, pi in pairs:
                G, P = gq[gi], pq[pi]
                if G.get("speaker"):
                    spk_n += 1
                    ok = same_speaker(P.get("speaker"), G["speaker"])
                    spk += ok
                    spk_len += same_speaker(P.get("speaker"), G["speaker"], True)
                    e2e += ok
                    by_mkind.setdefault(mention_kind(text, G.get("speaker_mention")), []).append(ok)
                if G.get("speaker_mention"):
                    men_n += 1
                    m, gm = P.get("speaker_mention"), G["speaker_mention"]
                    hit = bool(m) and min(m["end"], gm["end"]) > max(m["start"], gm["start"])
                    # PolNeAR's source may be an earlier mention of the same speaker: the name then counts
                    men += hit or bool(G.get("source_text")) and same_speaker(P.get("speaker"), G["source_text"], True)
            nq = g.get("not_quotes", [])
            nq_n += len(nq)
            nq_fp += len(match(text, nq, pq, mode == "partial"))
        res[mode] = {
            "quotes": prf(tp, n_pred, n_gold),
            "recall_by_kind": {k: kind_tp[k] / kind_n[k] for k in sorted(kind_n)},
            "n_by_kind": dict(sorted(kind_n.items())),
            "speaker_accuracy": spk / spk_n if spk_n else None,
            "speaker_accuracy_lenient": spk_len / spk_n if spk_n else None,
            "speaker_accuracy_by_mention_kind": {k: sum(v) / len(v) for k, v in sorted(by_mkind.items())},
            "mention_accuracy": men / men_n if men_n else None,
            "end_to_end": prf(e2e, n_pred, n_gold),
            "not_quotes_taken": nq_fp, "not_quotes": nq_n,
        }
    return res


def macro_f1(gold: list[str], pred: list[str]) -> dict:
    per = {}
    for c in LABELS:
        t = sum(g == c and p == c for g, p in zip(gold, pred))
        per[c] = prf(t, sum(p == c for p in pred), sum(g == c for g in gold))
    return {"macro_f1": sum(v["f1"] for v in per.values()) / len(LABELS),
            "f_avg": (per["FAVOR"]["f1"] + per["AGAINST"]["f1"]) / 2,
            "accuracy": sum(g == p for g, p in zip(gold, pred)) / len(gold) if gold else 0.0,
            "per_class": per, "n": len(gold),
            "confusion": [[sum(g == a and p == b for g, p in zip(gold, pred)) for b in LABELS] for a in LABELS]}


def bootstrap_ci(fn, items: list, n: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of fn(resampled items), resampling whole items (articles or quotes)."""
    if not items:
        return (0.0, 0.0)
    rng = random.Random(seed)
    vals = sorted(fn([items[rng.randrange(len(items))] for _ in items]) for _ in range(n))
    return (vals[int(0.025 * n)], vals[int(0.975 * n) - 1])
