"""The `quotestance` command: predict, train, evaluate, serve. `predict.py`, `train.py` and
`evaluate.py` at the top of the repository are these same sub-commands."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.corpus import load_disputes


def fail(msg: str, code: int = 2) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return code


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse instead of handing each large block back to the system.
    By default every block over a few hundred KB (each batch's activations) is mapped fresh and unmapped
    when freed, so the next batch page-faults its memory back in: about a fifth of the encoder's CPU time
    on this machine (see the README). The price: the process keeps its peak memory until it exits.
    Returns False where the C library is not glibc (nothing changes there)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # mallopt parameters, from glibc's malloc.h
        return bool(libc.mallopt(m_mmap_threshold, 32 << 20) and libc.mallopt(m_trim_threshold, 1 << 30))
    except (OSError, AttributeError):
        return False


# ---------------------------------------------------------------- predict


def add_predict_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("inputs", nargs="*", help=".txt (one article each) or .jsonl files; none or '-' reads stdin")
    tgt = ap.add_mutually_exclusive_group()
    tgt.add_argument("--target", help="target statement for stance (default: the Kuril dispute's claim)")
    tgt.add_argument("--dispute", help="take the target from data/disputes.json (e.g. kurils, crimea); 'auto': "
                                       "the dispute each article's territory names point to")
    ap.add_argument("--counter", action="store_true", help="with --dispute: use its counter-statement")
    ap.add_argument("--format", choices=["table", "json", "jsonl"], help="default: table on a terminal, else jsonl")
    ap.add_argument("-o", "--output", help="write here instead of stdout")
    ap.add_argument("--no-stance", action="store_true", help="stage 1 only (quotes and speakers); loads no transformer")
    ap.add_argument("--model-dir", default="artifacts", help="trained models (default: artifacts/)")
    ap.add_argument("--skip-bad", action="store_true", help="go on past bad input lines, list them at the end")
    ap.add_argument("--fp32", action="store_true", help="stance encoder in fp32 as trained, not int8: slower, "
                    "within 0.01 macro-F1 (see the README)")


def run_predict(a: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from model.io import InputError, default_format, read_inputs, target_resolver, write_output
    from model.pipeline import ModelMissing, Pipeline

    disputes = load_disputes()
    resolve = target_resolver(disputes, a.counter)
    try:
        default = resolve(a.target, a.dispute)
    except InputError as e:
        return fail(str(e))
    inputs = read_inputs(a.inputs, resolve)
    if a.dispute == "auto":  # (--target and --dispute exclude each other)
        kept = []
        for art in inputs.articles:
            try:
                art.target = art.target or resolve(None, "auto", art.text)
                kept.append(art)
            except InputError as e:
                inputs.bad.append(f"{art.id}: {e}")
        inputs.articles = kept
    if inputs.bad and not a.skip_bad:
        for b in inputs.bad:
            print(f"error: {b}", file=sys.stderr)
        return fail(f"{len(inputs.bad)} bad input(s); nothing was processed (--skip-bad goes on without them)")
    if not inputs.articles:
        return fail("no articles to process")
    try:
        pipe = Pipeline.load(a.model_dir, stance=not a.no_stance, int8=not a.fp32)
    except ModelMissing as e:
        return fail(str(e))
    for art in inputs.articles:
        art.target = art.target or default
    show = len(inputs.articles) > 3
    with tqdm(total=len(inputs.articles), desc="articles", disable=not show, file=sys.stderr) as bar:
        results = pipe.predict_batch(inputs.articles, progress=bar.update)
    fmt = a.format or default_format(a.output)
    try:
        if a.output:
            with open(a.output, "w", encoding="utf-8") as f:
                write_output(results, fmt, f)
        else:
            write_output(results, fmt, sys.stdout)
    except OSError as e:
        return fail(f"cannot write {a.output}: {e.strerror}")
    if inputs.bad:
        for b in inputs.bad:
            print(f"skipped: {b}", file=sys.stderr)
        print(f"{len(inputs.bad)} bad input(s) skipped, {len(results)} article(s) written", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------- train


def add_train_args(ap: argparse.ArgumentParser) -> None:
    from model.stance import StanceConfig

    d = StanceConfig()
    ap.add_argument("--out", default="artifacts", help="where the models go (default: artifacts/)")
    ap.add_argument("--epochs", type=int, default=d.epochs)
    ap.add_argument("--lr", type=float, default=d.learning_rate, help="peak learning rate")
    ap.add_argument("--batch-size", type=int, default=d.batch_size)
    ap.add_argument("--max-length", type=int, default=d.max_length, help="tokens per (target, quote) pair")
    ap.add_argument("--seed", type=int, default=d.seed)
    ap.add_argument("--no-context", action="store_true", help="quote only, without the sentences around it")
    ap.add_argument("--layers", type=int, default=d.layers, help="keep the backbone's first N layers (0: all)")
    ap.add_argument("--fixed-padding", action="store_true", help="pad every batch to --max-length (slower; to compare)")
    ap.add_argument("--train-embeddings", action="store_true",
                    help="fine-tune the word embeddings too, with --freeze-layers 0 (slower; by default they stay as pretrained)")
    ap.add_argument("--freeze-layers", type=int, default=d.freeze_layers,
                    help=f"keep the first N encoder layers as pretrained, computed once per quote (default: {d.freeze_layers})")
    ap.add_argument("--device", default=d.device, help="cpu, or cuda where there is a GPU (default: cpu)")
    ap.add_argument("--only", choices=["stage1", "stance"], help="train one stage, keep the other's models")
    ap.add_argument("--smoke", action="store_true", help="a few steps only (for tests)")
    ap.add_argument("--tiny", action="store_true", help="a tiny random BERT instead of the backbone (for tests)")
    ap.add_argument("--corpus", default=None, help="corpus folder (default: data/corpus)")


def run_train(a: argparse.Namespace) -> int:
    from model.corpus import DATA
    from model.stance import StanceConfig
    from model.training import train_all

    try:
        cfg = StanceConfig(epochs=1 if a.smoke else a.epochs, learning_rate=a.lr, batch_size=a.batch_size,
                           max_length=a.max_length, seed=a.seed, context=not a.no_context,
                           max_steps=3 if a.smoke else 0, layers=a.layers, fixed_padding=a.fixed_padding,
                           freeze_embeddings=not a.train_embeddings, freeze_layers=a.freeze_layers, device=a.device)
        train_all(Path(a.out), cfg, tiny=a.tiny, corpus_dir=Path(a.corpus) if a.corpus else DATA / "corpus",
                  only=a.only)
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        return fail(str(e))
    parts = {"stage1": ["stage1"], "stance": ["stance"]}.get(a.only, ["stage1", "stance"])
    print(f"saved: {', '.join(f'{a.out}/{p}/' for p in parts)}, {a.out}/training.json")
    return 0


# ---------------------------------------------------------------- evaluate and serve


def add_evaluate_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--model-dir", default="artifacts")
    ap.add_argument("--out", default=None, help="report folder (default: MODEL_DIR/report)")
    ap.add_argument("--split", default="test", choices=["train", "dev", "test"])
    ap.add_argument("--polnear", default=None, help="PolNeAR folder, e.g. ../shared/polnear (optional)")
    ap.add_argument("--corpus", default=None, help="corpus folder (default: data/corpus)")
    ap.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the intervals")
    ap.add_argument("--ablation", default=None, help="a second model folder (e.g. trained --no-context) to compare")


def run_evaluate(a: argparse.Namespace) -> int:
    from model.pipeline import ModelMissing
    from model.report import evaluate_all

    try:
        summary = evaluate_all(a)
    except (ModelMissing, FileNotFoundError) as e:
        return fail(str(e))
    print(summary)
    return 0


def add_serve_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: loopback only)")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--model-dir", default="artifacts")
    ap.add_argument("--fp32", action="store_true", help="stance encoder in fp32 as trained, not int8: higher "
                    "latency, see the README")


def run_serve(a: argparse.Namespace) -> int:
    from serve.__main__ import serve

    return serve(a.model_dir, a.host, a.port, not a.fp32)


COMMANDS = {
    "predict": (add_predict_args, run_predict, "quotes, speakers and stance of articles"),
    "train": (add_train_args, run_train, "train every model of both stages on the corpus"),
    "evaluate": (add_evaluate_args, run_evaluate, "the evaluation report of both stages"),
    "serve": (add_serve_args, run_serve, "the HTTP endpoint and demo page"),
}


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="quotestance", description="Quotations in news on territorial disputes: "
                                 "detection, speaker attribution and stance.")
    sub = ap.add_subparsers(dest="command", required=True)
    for name, (add, _, help_) in COMMANDS.items():
        add(sub.add_parser(name, help=help_, description=help_))
    return ap


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    keep_freed_memory()
    try:
        return COMMANDS[a.command][1](a)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
