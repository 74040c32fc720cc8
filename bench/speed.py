"""Speed of quotestance on this machine: stage 1, stage 2 and the whole pipeline (quotes and articles a
second), endpoint latency, model load time, peak memory, training pairs a second, and stage 1 on one
huge article. Prints a table and writes JSON.

    python bench/speed.py [--model-dir artifacts] [--quotes 2000] [--out artifacts/bench/speed.json]

The stance encoder runs as the product runs it: int8 (model/int8.py's Int8Encoder), with freed memory
kept for reuse (model/cli.py's keep_freed_memory); the fp32 rows and --system-malloc measure without them.
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model.cli import keep_freed_memory  # noqa: E402
from model.pipeline import ArticleIn, Pipeline  # noqa: E402
from model.stance import pair_text, sentence_context  # noqa: E402
from model.training import load_split  # noqa: E402


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def articles_for(n_quotes: int) -> list[dict]:
    """The test split, repeated until it holds at least n_quotes gold quotes."""
    test = load_split("test")
    arts, total = [], 0
    while total < n_quotes:
        for a in test:
            arts.append(a)
            total += len(a["quotes"])
    return arts


def stance_inputs(arts: list[dict]) -> tuple[list[str], list[str]]:
    """(targets, pair texts) of every gold quote, as the pipeline builds them."""
    targets, texts = [], []
    for a in arts:
        for q in a["quotes"]:
            before, after = sentence_context(a["text"], q["start"], q["end"])
            targets.append(a["target"])
            texts.append(pair_text(a["text"][q["start"]:q["end"]], q["speaker"], before, after))
    return targets, texts


def bench_stage1(pipe: Pipeline, arts: list[dict], passes: int = 5) -> dict:
    """Stage 1 on one core, `passes` passes over the articles: the median pass is the figure, with the
    slowest and fastest beside it (this machine's speed drifts by a third from minute to minute)."""
    import torch

    torch.set_num_threads(1)
    runs = [timed(lambda: [pipe.quotes(a["text"]) for a in arts]) for _ in range(passes)]
    n = sum(len(f) for f in runs[0][0])
    secs = statistics.median(s for _, s in runs)
    return {"articles": len(arts), "quotes": n, "passes": passes, "seconds": round(secs, 3),
            "articles_per_second": round(len(arts) / secs, 1), "quotes_per_second": round(n / secs, 1),
            "articles_per_second_range": [round(len(arts) / max(s for _, s in runs), 1),
                                          round(len(arts) / min(s for _, s in runs), 1)]}


def bench_stance(pipe: Pipeline, arts: list[dict], threads: int, batch_size: int = 32) -> dict:
    import torch

    torch.set_num_threads(threads)
    targets, texts = stance_inputs(arts)
    _, secs = timed(pipe.stance.logits, targets, texts, 128, batch_size)
    return {"quotes": len(texts), "seconds": round(secs, 3), "quotes_per_second": round(len(texts) / secs, 1)}


def bench_plain_stance(model_dir: str, arts: list[dict], threads: int) -> dict:
    """The plain path for comparison: fp32, batches of 32 in input order, every pair padded to 128."""
    import numpy as np
    import torch

    from model.stance import StanceModel

    torch.set_num_threads(threads)
    sm = StanceModel.load(Path(model_dir) / "stance", int8=False)
    targets, texts = stance_inputs(arts)

    def run():
        out = []
        with torch.inference_mode():
            for b in range(0, len(texts), 32):
                enc = sm.tokenizer(texts[b:b + 32], padding="max_length", truncation=True, max_length=128,
                                   return_tensors="pt")
                tenc = sm.tokenizer(targets[b:b + 32], padding="max_length", truncation=True, max_length=128,
                                    return_tensors="pt")
                q = sm.net.embed(enc["input_ids"], enc["attention_mask"])
                t = sm.net.embed(tenc["input_ids"], tenc["attention_mask"])
                out.append(sm.net.compare(q, t).numpy())
        return np.concatenate(out)

    _, secs = timed(run)
    return {"quotes": len(texts), "seconds": round(secs, 3), "quotes_per_second": round(len(texts) / secs, 1)}


def bench_pipelines(pipes: dict[str, Pipeline], arts: list[dict], threads: int, rounds: int = 3) -> dict:
    """The whole pipeline over the articles, `rounds` times for each pipeline, interleaved so that this
    machine's drift touches each alike: the median run is the figure, with the slowest and fastest."""
    import torch

    torch.set_num_threads(threads)
    runs: dict[str, list[float]] = {name: [] for name in pipes}
    for _ in range(rounds):
        for name, pipe in pipes.items():
            out, secs = timed(pipe.predict_batch, [ArticleIn(a["id"], a["text"], a["target"]) for a in arts])
            runs[name].append(secs)
    n = sum(len(a.quotes) for a in out)
    res = {}
    for name, secs in runs.items():
        med = statistics.median(secs)
        res[name] = {"articles": len(arts), "quotes": n, "rounds": rounds, "seconds": round(med, 3),
                     "articles_per_second": round(len(arts) / med, 2), "quotes_per_second": round(n / med, 1),
                     "quotes_per_second_range": [round(n / max(secs), 1), round(n / min(secs), 1)]}
    return res


def bench_endpoint_process(model_dir: str, int8: bool = True, system_malloc: bool = False) -> dict:
    """bench_endpoint in a fresh process, as a server runs: torch keeps an OpenMP team for each thread that
    has computed, and a second one (this process's main thread, after the other benchmarks) made every
    request about 40% slower than in a server of its own."""
    cmd = ([sys.executable, __file__, "--model-dir", model_dir, "--endpoint-only"] + ([] if int8 else ["--fp32"])
           + (["--system-malloc"] if system_malloc else []))
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_endpoint(model_dir: str, text: str, n: int = 60, int8: bool = True) -> dict:
    from fastapi.testclient import TestClient

    from serve.app import create_app

    with TestClient(create_app(model_dir, int8=int8)) as c:
        c.post("/predict", json={"text": text})
        lat = []
        for _ in range(n):
            t0 = time.perf_counter()
            r = c.post("/predict", json={"text": text})
            lat.append(time.perf_counter() - t0)
            assert r.status_code == 200
    lat.sort()
    return {"requests": n, "words": len(text.split()), "p50_ms": round(1000 * statistics.median(lat), 1),
            "p95_ms": round(1000 * lat[int(0.95 * n) - 1], 1)}


def bench_huge_article(pipe: Pipeline, runs: int = 3) -> dict:
    """Stage 1 on a 1 MB article with about 10,000 quotation marks, in paragraphs, as one paragraph, and with a
    named speaker and a pronoun in every paragraph: time must grow linearly with length, whatever the layout.
    The median of `runs` runs of each."""
    para = ('The minister said: "We will not give up the islands," and left. The delegation met officials from '
            'both sides in the capital on Tuesday, and the talks went on late into the evening without a statement. '
            ) * 2 + "Talks continue.\n\n"
    text = (para * (1_000_000 // len(para) + 1))[:1_000_000]
    one_para = text.replace("\n\n", "  ")
    # the same size with a named speaker and a pronoun in every paragraph: clustering and the antecedent
    # resolver see thousands of mentions of one person
    named_para = ('Sergei Lavrov met officials from both sides. "We will not give up the islands," he said, and '
                  'left. The delegation talked late into the evening without a statement. Talks continue.\n\n')
    named = (named_para * (1_000_000 // len(named_para) + 1))[:1_000_000]
    done = [timed(pipe.quotes, text) for _ in range(runs)]
    secs_one = statistics.median(timed(pipe.quotes, one_para)[1] for _ in range(runs))
    secs_named = statistics.median(timed(pipe.quotes, named)[1] for _ in range(runs))
    secs = [s for _, s in done]
    return {"characters": len(text), "marks": text.count('"'), "quotes": len(done[0][0]), "runs": runs,
            "seconds": round(statistics.median(secs), 3), "seconds_range": [round(min(secs), 3), round(max(secs), 3)],
            "seconds_one_paragraph": round(secs_one, 3), "seconds_named_speaker": round(secs_named, 3),
            "marks_named_speaker": named.count('"')}


def bench_training(arts: list[dict], threads: int, n_articles: int = 16) -> dict:
    """Training quotes a second: the default (dynamic padding, word embeddings and the first layer frozen,
    that layer's one pass over the quotes included), every layer trained, the embeddings trained too, and
    the plain path (every batch padded to 128 tokens, every weight trained); one epoch over the same quotes
    (so the frozen layer's pass counts against one epoch, where full training spreads it over five)."""
    import torch

    from model.corpus import load_disputes
    from model.stance import StanceConfig, StanceModel, examples_from_articles, train_stance

    torch.set_num_threads(threads)
    disputes = load_disputes()
    ex = examples_from_articles(arts[:n_articles], flip=True, disputes=disputes)
    out = {"articles": n_articles}
    default = StanceConfig().freeze_layers
    for name, fixed, frozen, layers in (("dynamic", False, True, default), ("dynamic_all_layers", False, True, 0),
                                        ("dynamic_embeddings_trained", False, False, 0), ("fixed128", True, False, 0)):
        cfg = StanceConfig(epochs=1, fixed_padding=fixed, freeze_embeddings=frozen,
                           freeze_layers=layers, threads=threads)
        rec = train_stance(StanceModel.from_backbone(), ex, [], cfg, progress=False, disputes=disputes)
        out[f"{name}_quotes_per_second"] = rec["train_quotes_per_second"]
    out["steps"] = rec["steps"]  # one epoch: the same for every variant
    out["speedup"] = round(out["dynamic_quotes_per_second"] / out["fixed128_quotes_per_second"], 2)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model-dir", default="artifacts")
    ap.add_argument("--quotes", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="artifacts/bench/speed.json")
    ap.add_argument("--skip-training", action="store_true")
    ap.add_argument("--system-malloc", action="store_true", help="leave glibc's malloc settings as they are")
    ap.add_argument("--endpoint-only", action="store_true", help="print bench_endpoint's JSON only (used internally)")
    ap.add_argument("--fp32", action="store_true", help="with --endpoint-only: the fp32 stance encoder")
    a = ap.parse_args()
    if a.endpoint_only:
        if not a.system_malloc:
            keep_freed_memory()
        sample = max(load_split("test"), key=lambda x: len(x["text"].split()))  # the longest test article
        print(json.dumps(bench_endpoint(a.model_dir, sample["text"], int8=not a.fp32)))
        return 0
    res = {"machine": f"{platform.machine()}, {platform.processor() or 'cpu'}", "python": platform.python_version(),
           "freed_memory_kept": not a.system_malloc and keep_freed_memory()}
    pipe, res["load_seconds"] = timed(Pipeline.load, a.model_dir)
    arts = articles_for(a.quotes)
    res["stage1_one_core"] = bench_stage1(pipe, arts)
    res["huge_article"] = bench_huge_article(pipe)
    pipe32 = Pipeline.load(a.model_dir, int8=False)
    res["stance"] = bench_stance(pipe, arts, a.threads)  # int8, the default
    res["stance_fp32"] = bench_stance(pipe32, arts, a.threads)
    res["stance_plain"] = bench_plain_stance(a.model_dir, arts, a.threads)
    res.update(bench_pipelines({"pipeline": pipe, "pipeline_fp32": pipe32}, arts, a.threads))
    del pipe32
    res["endpoint"] = bench_endpoint_process(a.model_dir, system_malloc=a.system_malloc)
    res["endpoint_fp32"] = bench_endpoint_process(a.model_dir, int8=False, system_malloc=a.system_malloc)
    if not a.skip_training:
        res["training"] = bench_training(load_split("train"), a.threads)
    res["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1))
    rows = [("model load, s", res["load_seconds"]),
            ("stage 1 (1 core), articles/s, median of 5 passes (slowest-fastest)",
             f"{res['stage1_one_core']['articles_per_second']} ({res['stage1_one_core']['articles_per_second_range'][0]}"
             f"-{res['stage1_one_core']['articles_per_second_range'][1]})"),
            ("stage 1 (1 core), quotes/s", res["stage1_one_core"]["quotes_per_second"]),
            (f"stage 1, 1 MB article with {res['huge_article']['marks']} marks, s, median of 3 (one paragraph)",
             f"{res['huge_article']['seconds']} ({res['huge_article']['seconds_one_paragraph']})"),
            (f"stage 1, 1 MB article, a named speaker and 'he said' in each paragraph "
             f"({res['huge_article']['marks_named_speaker']} marks), s, median of 3",
             res['huge_article']['seconds_named_speaker']),
            (f"stance ({a.threads} threads, int8, the default), quotes/s", res["stance"]["quotes_per_second"]),
            (f"stance ({a.threads} threads, --fp32), quotes/s", res["stance_fp32"]["quotes_per_second"]),
            ("stance plain path (fp32, batch 32, padded to 128), quotes/s", res["stance_plain"]["quotes_per_second"]),
            (f"pipeline ({a.threads} threads), quotes/s, median of 3 (slowest-fastest)",
             f"{res['pipeline']['quotes_per_second']} ({res['pipeline']['quotes_per_second_range'][0]}"
             f"-{res['pipeline']['quotes_per_second_range'][1]})"),
            ("pipeline, articles/s", res["pipeline"]["articles_per_second"]),
            (f"pipeline ({a.threads} threads, --fp32), quotes/s, median of 3 (interleaved with the default)",
             f"{res['pipeline_fp32']['quotes_per_second']} ({res['pipeline_fp32']['quotes_per_second_range'][0]}"
             f"-{res['pipeline_fp32']['quotes_per_second_range'][1]})"),
            ("pipeline vs the plain path",
             f"{res['pipeline']['quotes_per_second'] / res['stance_plain']['quotes_per_second']:.2f}x"),
            (f"POST /predict p50 / p95, ms ({res['endpoint']['words']} words, a process of its own)",
             f"{res['endpoint']['p50_ms']} / {res['endpoint']['p95_ms']}"),
            ("POST /predict with --fp32, p50 / p95, ms", f"{res['endpoint_fp32']['p50_ms']} / {res['endpoint_fp32']['p95_ms']}"),
            ("training, quotes/s: default / all layers / embeddings trained / plain fixed 128 (speed-up)",
             "skipped" if "training" not in res else
             f"{res['training']['dynamic_quotes_per_second']} / {res['training']['dynamic_all_layers_quotes_per_second']}"
             f" / {res['training']['dynamic_embeddings_trained_quotes_per_second']}"
             f" / {res['training']['fixed128_quotes_per_second']} ({res['training']['speedup']}x)"),
            ("peak memory, MB", res["peak_memory_mb"]),
            ("freed memory kept for reuse", res["freed_memory_kept"])]
    for k, v in rows:
        print(f"{k:<50} {v}")
    print(f"written: {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
