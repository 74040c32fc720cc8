"""Stance: inputs, the target swap, training, save/load round trips, calibration."""
import numpy as np
import pytest

from model.stance import (
    StanceConfig,
    StanceModel,
    backbone_path,
    ece,
    examples_from_articles,
    fit_temperature,
    one_side_per_speaker,
    pair_text,
    sentence_context,
    train_stance,
)
from model.training import load_split


def test_context_and_pair_text():
    text = "First sentence here. The minister said: \"We stay.\" Then he left. Another one."
    s = text.index("We stay.")
    before, after = sentence_context(text, s, s + len("We stay."))
    assert before.startswith("First sentence here.") and "minister said" in before
    assert after == '" Then he left.'  # the next sentence, not the one after it
    assert pair_text("We stay.", "Irina Volkova", "b", "a") == "Irina Volkova: b << We stay. >> a"
    assert pair_text("We stay.", None, context=False) == "someone: << We stay. >>"


def test_flip_doubles_examples_with_swapped_target(tiny_corpus, disputes):
    arts = load_split("train", tiny_corpus)
    plain = examples_from_articles(arts, disputes=disputes)
    doubled = examples_from_articles(arts, flip=True, disputes=disputes)
    assert len(doubled) == 2 * len(plain)
    swap = {"FAVOR": "AGAINST", "AGAINST": "FAVOR", "NONE": "NONE"}
    for a, b in zip(doubled[::2], doubled[1::2]):
        assert a["text"] == b["text"] and a["target"] != b["target"] and swap[a["label"]] == b["label"]


def test_config_is_validated():
    with pytest.raises(ValueError):
        StanceConfig(epochs=0)
    with pytest.raises(ValueError):
        StanceConfig(max_length=4)
    with pytest.raises(ValueError):
        StanceConfig(layers=-1)
    with pytest.raises(ValueError, match="freeze_layers=0"):  # --train-embeddings would do nothing under frozen layers
        StanceConfig(freeze_embeddings=False, freeze_layers=1)
    with pytest.raises(ValueError, match="not available"):
        StanceConfig(device="nonsense")


def test_fewer_layers_train_with_fixed_padding_save_and_load(tmp_path, tiny_corpus, disputes):
    """keep_layers shrinks the encoder and the saved config says so; fixed padding (the plain path the
    speed benchmark compares against) gives the same embeddings as dynamic padding."""
    import torch

    from model.stance import pad

    sm = StanceModel.tiny()
    sm.net.eval()
    ids = sm.tokenize(["a short one", "a rather longer sentence than the first one"], 32)
    with torch.inference_mode():
        dyn = sm.net.embed(*pad(ids, sm.tokenizer.pad_token_id))
        fixed = sm.net.embed(*pad(ids, sm.tokenizer.pad_token_id, 32))
    assert pad(ids, 0, 32)[0].shape == (2, 32) and torch.allclose(dyn, fixed, atol=1e-5)
    sm.keep_layers(1)
    assert len(sm.net.encoder.encoder.layer) == 1
    train = examples_from_articles(load_split("train", tiny_corpus), flip=True, disputes=disputes)
    rec = train_stance(sm, train, [], StanceConfig(epochs=1, batch_size=4, max_steps=1, fixed_padding=True,
                                                   max_length=32, freeze_layers=0), progress=False, disputes=disputes)
    assert rec["steps"] == 1
    sm.save(tmp_path / "s")
    assert StanceModel.load(tmp_path / "s").net.encoder.config.num_hidden_layers == 1


@pytest.mark.parametrize("freeze_layers", [0, 1])
def test_dynamic_padding_trains_the_same_weights_as_fixed_padding(tiny_corpus, disputes, freeze_layers):
    """Training's speed-up from dynamic padding changes nothing but the padding: with dropout off, three
    steps from the same start give the same weights as padding every batch to max_length (with dropout
    on, the two differ only in dropout's random draws, whose count follows the padded shape)."""
    import torch

    train = examples_from_articles(load_split("train", tiny_corpus), flip=True, disputes=disputes)
    weights = []
    for fixed in (False, True):
        sm = StanceModel.tiny(seed=3)
        for m in sm.net.modules():
            if isinstance(m, torch.nn.Dropout):
                m.p = 0.0
        train_stance(sm, train, [], StanceConfig(epochs=1, batch_size=4, max_steps=3, max_length=64, seed=5,
                                                 fixed_padding=fixed, freeze_layers=freeze_layers),
                     progress=False, disputes=disputes)
        weights.append({k: v.clone() for k, v in sm.net.state_dict().items()})
    start = StanceModel.tiny(seed=3).net.state_dict()
    assert any(not torch.equal(weights[0][k], start[k]) for k in start)  # the steps did train
    for k in start:
        assert torch.allclose(weights[0][k], weights[1][k], atol=1e-5), k


def test_one_side_per_speaker_shares_the_direction_and_keeps_none():
    from model.stance import LABEL2ID, speaker_groups

    f, a, n = LABEL2ID["FAVOR"], LABEL2ID["AGAINST"], LABEL2ID["NONE"]
    probs = np.zeros((5, 3))
    probs[0, [f, a, n]] = 0.70, 0.10, 0.20  # Ann, clearly FAVOR
    probs[1, [f, a, n]] = 0.20, 0.30, 0.50  # Ann, unsure, leaning AGAINST
    probs[2, [f, a, n]] = 0.10, 0.80, 0.10  # Bo, AGAINST
    probs[3, [f, a, n]] = 0.30, 0.60, 0.10  # no speaker: left alone
    probs[4, [f, a, n]] = 0.60, 0.35, 0.05  # Ann in another article: a group of its own
    groups = [(0, "Ann"), (0, "Ann"), (0, "Bo"), None, (1, "Ann")]
    out = one_side_per_speaker(probs, groups)
    assert np.allclose(out.sum(1), 1) and np.allclose(out[:, n], probs[:, n])  # each quote keeps its NONE
    assert np.allclose(out[2:], probs[2:])  # a speaker quoted once, no speaker, another article: unchanged
    share = (0.70 + 0.20) / (0.80 + 0.50)  # Ann's FAVOR share over her two quotes, weighted by their polar mass
    assert np.allclose(out[:2, f], probs[:2, [f, a]].sum(1) * share)
    assert out[1, f] > out[1, a]  # the unsure quote takes her side
    swapped = probs.copy()
    swapped[:, [f, a]] = probs[:, [a, f]]
    back = one_side_per_speaker(swapped, groups)
    assert np.allclose(back[:, [f, a]], out[:, [a, f]])  # swapping the target's sides swaps the answer exactly
    arts = [{"quotes": [{"speaker": "Ann"}, {"speaker": None}]}, {"quotes": [{"speaker": "Ann"}]}]
    assert speaker_groups(arts) == [(0, "Ann"), None, (1, "Ann")]


def test_temperature_and_ece():
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 3, 300)
    logits = rng.normal(size=(300, 3))
    logits[np.arange(300), gold] += 1.0
    overconfident = logits * 6
    t = fit_temperature(overconfident, list(gold))
    assert t > 2
    from model.stance import softmax, two_readings
    assert ece(softmax(overconfident / t), list(gold)) < ece(softmax(overconfident), list(gold))
    # two readings that disagree average to a flatter answer: its own temperature sharpens it again
    other = rng.normal(size=(300, 3)) * 6
    other[np.arange(300), gold] += 6.0
    t_two = fit_temperature(overconfident, list(gold), other)
    assert t_two < t
    assert ece(two_readings(overconfident, other, t_two), list(gold)) < ece(two_readings(overconfident, other, t), list(gold))


def test_frozen_lower_layers_are_computed_once_and_stay(tiny_corpus, disputes):
    """freeze_layers: the embeddings and the first layer keep their weights, the layer above learns, and
    starting from the kept hidden states gives the same embedding as the whole encoder."""
    import torch

    from model.stance import pad

    sm = StanceModel.tiny()
    before = {k: v.clone() for k, v in sm.net.state_dict().items()}
    train = examples_from_articles(load_split("train", tiny_corpus), flip=True, disputes=disputes)
    rec = train_stance(sm, train, [], StanceConfig(epochs=1, batch_size=4, max_steps=2, learning_rate=1e-3,
                                                   freeze_layers=1), progress=False, disputes=disputes)
    assert rec["steps"] == 2
    after = sm.net.state_dict()
    frozen = [k for k in after if k.startswith(("encoder.embeddings.", "encoder.encoder.layer.0."))]
    assert frozen and all(torch.equal(before[k], after[k]) for k in frozen)
    assert any(not torch.equal(before[k], v) for k, v in after.items() if k.startswith("encoder.encoder.layer.1."))
    sm.net.eval()
    x, mask = pad(sm.tokenize(["a short one", "a rather longer sentence than the first one"], 32), 0)
    with torch.no_grad():
        assert torch.allclose(sm.net.embed(x, mask), sm.net.embed_from(sm.net.hidden(x, mask, 1), mask, 1), atol=1e-6)
    with pytest.raises(ValueError, match="freeze_layers"):
        train_stance(sm, train, [], StanceConfig(max_steps=1, freeze_layers=2), progress=False, disputes=disputes)


def test_tiny_model_trains_saves_loads_predicts(tmp_path, tiny_corpus, disputes):
    arts = load_split("train", tiny_corpus)
    train = examples_from_articles(arts, flip=True, disputes=disputes)
    dev = examples_from_articles(load_split("dev", tiny_corpus), disputes=disputes)
    sm = StanceModel.tiny()
    before = {k: v.clone() for k, v in sm.net.state_dict().items()}
    rec = train_stance(sm, train, dev, StanceConfig(epochs=1, batch_size=4, max_steps=2, learning_rate=1e-3),
                       progress=False, disputes=disputes)
    assert rec["steps"] == 2 and rec["train_data_sha256"] and 0.25 <= rec["temperature"] <= 8
    after = sm.net.state_dict()
    words = "encoder.embeddings.word_embeddings.weight"
    assert (before[words] == after[words]).all()  # frozen by default: the pretrained vocabulary stays
    assert any(not (before[k] == v).all() for k, v in after.items() if k != words)
    sm.save(tmp_path / "stance")
    for f in ("model.safetensors", "head.safetensors", "config.json", "tokenizer.json", "stance.json", "README.md"):
        assert (tmp_path / "stance" / f).exists(), f
    back = StanceModel.load(tmp_path / "stance")
    t, x = [dev[0]["target"]] * 2, [dev[0]["text"], dev[1]["text"]]
    assert np.allclose(sm.predict_proba(t, x), back.predict_proba(t, x), atol=1e-5)
    out = back.predict(t, x)
    assert out[0]["stance"] in ("FAVOR", "AGAINST", "NONE") and abs(sum(out[0]["scores"].values()) - 1) < 1e-3
    assert back.predict([], []) == []


def test_int8_load_runs_the_fused_encoder_and_stays_close(tiny_models):
    import torch

    from model.int8 import Int8Encoder

    fp32, int8 = StanceModel.load(tiny_models / "stance"), StanceModel.load(tiny_models / "stance", int8=True)
    assert isinstance(int8.net.encoder, Int8Encoder) and len(int8.net.encoder.layers) == 2
    assert not any(isinstance(m, torch.nn.Linear) for m in int8.net.encoder.modules())
    t = ["Crimea should be returned to Ukraine."] * 2
    x = ["someone: << Crimea is Ukraine. >>", "Irina Volkova: talks went on. << We will not give an inch. >>"]
    p, q = int8.predict_proba(t, x), fp32.predict_proba(t, x)
    assert p.shape == (2, 3) and np.allclose(p.sum(1), 1, atol=1e-5)
    assert np.abs(p - q).max() < 0.02
    with pytest.raises(ValueError, match="int8=False"):
        int8.save(tiny_models / "int8-copy")
    assert not (tiny_models / "int8-copy").exists()


def _bert(seed: int = 0, layers: int = 2):
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    return BertModel(BertConfig(vocab_size=200, hidden_size=48, num_hidden_layers=layers, num_attention_heads=4,
                                intermediate_size=96, max_position_embeddings=64)).eval()


def test_int8_encoder_is_close_per_token_and_batch_independent():
    import torch

    from model.int8 import Int8Encoder

    bert = _bert()
    ids = torch.randint(5, 200, (3, 12))
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0  # a padded row
    with torch.inference_mode():
        bert.embeddings.word_embeddings.weight[ids[2, 4]] *= 40  # one token with huge activations
        ref = bert(input_ids=ids, attention_mask=mask).last_hidden_state
        out = Int8Encoder(bert)(ids, mask).last_hidden_state
        alone = Int8Encoder(bert)(ids[1:2, :7], mask[1:2, :7]).last_hidden_state
    assert out.shape == ref.shape == (3, 12, 48)
    real = mask.bool()
    err = (out - ref).norm(dim=-1) / ref.norm(dim=-1)
    assert err[real].max() < 0.05  # every token keeps its precision, the outlier's neighbours too
    assert torch.allclose(alone[0], out[1, :7], atol=1e-3)  # a quote's answer does not hang on its batch


def test_int8_kernels_match_their_float_definitions():
    import torch

    from model import int8

    x = torch.linspace(-12, 12, 4801)
    gelu = torch.tensor([int8._gelu(np.float32(v)) for v in x.tolist()[::40]])
    assert (gelu - torch.nn.functional.gelu(x[::40])).abs().max() < 1e-6  # erf from A&S 7.1.28, not libm

    torch.manual_seed(1)
    y, xs = torch.randint(-2000, 2000, (5, 16), dtype=torch.int32), torch.rand(5) + 0.5
    ws, b, res = torch.rand(16) / 100, torch.randn(16), torch.randn(5, 16)
    g, bt = torch.rand(16) + 0.5, torch.randn(16)
    out, oq, os = torch.empty(5, 16), torch.empty(5, 16, dtype=torch.int8), torch.empty(5)
    int8.rescale_add_norm_quantise(y.numpy(), xs.numpy(), ws.numpy(), b.numpy(), res.numpy(), g.numpy(), bt.numpy(),
                                   np.float32(1e-12), out.numpy(), oq.numpy(), os.numpy())
    ref = torch.nn.functional.layer_norm(y.float() * xs[:, None] * ws + b + res, (16,), g, bt, 1e-12)
    assert torch.allclose(out, ref, atol=1e-5)
    assert torch.allclose(os, ref.abs().amax(1)) and oq.abs().max() == 127
    assert torch.equal(oq, torch.round(ref * 127 / os[:, None]).to(torch.int8))


KERNELS_SCRIPT = """
import sys
import numpy as np
from model import int8
rng = np.random.default_rng(0)
n, d, w = 64, 48, 96
y, yw = rng.integers(-3000, 3000, (n, d), dtype=np.int32), rng.integers(-3000, 3000, (n, w), dtype=np.int32)
xs, x = rng.random(n, dtype=np.float32) + 0.5, rng.standard_normal((n, d)).astype(np.float32)
ws, wsw = rng.random(d, dtype=np.float32) / 1e3, rng.random(w, dtype=np.float32) / 1e3
b, bw, res = rng.standard_normal(d).astype(np.float32), rng.standard_normal(w).astype(np.float32), x * 2
out = [np.empty((n, d), np.int8), np.empty(n, np.float32), np.empty((n, d), np.float32), np.empty((n, w), np.int8),
       np.empty(n, np.float32), np.empty((n, d), np.float32), np.empty((n, d), np.int8), np.empty(n, np.float32)]
int8.quantise_rows(x, out[0], out[1])
int8.rescale(y, xs, ws, b, out[2])
int8.rescale_gelu_quantise(yw, xs, wsw, bw, out[3], out[4])
int8.rescale_add_norm_quantise(y, xs, ws, b, res, ws * 500, b, np.float32(1e-12), out[5], out[6], out[7])
np.savez(sys.argv[1], *out)
"""


def test_int8_loops_give_the_same_numbers_compiled_or_loaded_from_the_cache(tmp_path):
    """The first process after an install compiles the loops, later ones load numba's cache: both must
    answer alike (with reassociating fast maths, the layer norm's sums came out in another order)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    root = Path(__file__).resolve().parent.parent
    for run in ("compiled", "cached"):
        subprocess.run([sys.executable, "-c", KERNELS_SCRIPT, str(tmp_path / f"{run}.npz")], env=env, cwd=root,
                       check=True)
    assert any((tmp_path / "cache").rglob("*.nbc"))  # the second run had a cache to load
    compiled, cached = np.load(tmp_path / "compiled.npz"), np.load(tmp_path / "cached.npz")
    for k in compiled.files:
        assert np.array_equal(compiled[k], cached[k]), k


def test_load_without_model_says_train(tmp_path):
    with pytest.raises(FileNotFoundError, match="train.py"):
        StanceModel.load(tmp_path)


def test_backbone_hash_is_checked():
    assert (backbone_path() / "model.safetensors").exists()


@pytest.mark.slow
def test_real_backbone_fine_tunes_a_few_steps(tmp_path, tiny_corpus, disputes):
    """The real all-MiniLM-L6-v2 backbone: two optimiser steps (twice, to the same weights), a save and a load."""
    import torch

    arts = load_split("train", tiny_corpus)
    train = examples_from_articles(arts, flip=True, disputes=disputes)
    sm = StanceModel.from_backbone(seed=13)
    w0 = sm.net.head[-1].weight.detach().clone()
    rec = train_stance(sm, train, train[:4], StanceConfig(epochs=1, batch_size=16, max_steps=2), progress=False)
    assert rec["steps"] == 2 and not (w0 == sm.net.head[-1].weight).all()
    again = StanceModel.from_backbone(seed=13)
    train_stance(again, train, train[:4], StanceConfig(epochs=1, batch_size=16, max_steps=2), progress=False)
    for k, v in sm.net.state_dict().items():  # a seeded run is repeatable on CPU, bit for bit
        assert torch.equal(v, again.net.state_dict()[k]), k
    sm.save(tmp_path / "s")
    back = StanceModel.load(tmp_path / "s")
    assert back.meta["backbone"] == "all-MiniLM-L6-v2" and len(back.predict([train[0]["target"]], [train[0]["text"]])) == 1


def test_length_batches_cover_every_index_once_with_little_padding():
    from model.stance import length_batches

    lengths = [42, 97, 59, 61, 5, 80, 76, 128, 71, 72, 6, 95, 7]
    batches = length_batches(lengths, 4)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        assert len(b) <= 4 and max(lengths[i] for i in b) <= 1.3 * min(lengths[i] for i in b)


def test_row_picking_has_a_repeatable_gradient():
    """Plain indexing with repeated, interleaved rows (each target serves many quotes) sums its gradient
    in a varying thread order on CPU; _rows gives the same values with the same gradient every time."""
    import torch

    from model.stance import _rows

    torch.manual_seed(0)
    x = torch.randn(8, 384, requires_grad=True)
    idx = [k for _ in range(16) for k in range(8)]
    g = torch.randn(len(idx), 384)
    assert torch.equal(_rows(x, idx), x[idx])
    grads = set()
    for _ in range(20):
        x.grad = None
        (_rows(x, idx) * g).sum().backward()
        grads.add(x.grad.numpy().tobytes())
    assert len(grads) == 1
