"""The stance encoder for inference in int8, with the work around each int8 product fused.

Every linear layer quantises its weights once, with one scale per output channel, and its input per token,
with one scale per row, before an int8 x int8 -> int32 product (torch._int_mm, VNNI on this CPU). A single
scale for the whole batch (torch's dynamic quantisation) lets the few tokens with very large activations
after the feed-forward GELU crush every other token to a handful of levels: its embeddings kept a cosine of
0.92 with fp32, these keep 0.998. Per-token scales also keep one quote's outliers from moving another
quote's answer; padding still shifts the attention's float sums a little, which can move a rounding.

Done as torch operations, the steps between two products took a dozen passes over memory per linear layer
(max and min, scale, round, cast; cast back, rescale twice with the bias; GELU, or the residual and layer
norm, apart), more time than the products. Here each step between two products is one compiled loop over
the rows (numba, parallel over rows), and nothing between them is stored in float that need not be:

    h -quantise-> int8 -[Q|K|V]-> int32 -rescale-> q, k, v -> attention (torch SDPA) -> context -quantise->
    int8 -[O]-> int32 -rescale, + h, layer norm, quantise-> h1 and int8 -[I]-> int32 -rescale, GELU,
    quantise-> int8 -[O2]-> int32 -rescale, + h1, layer norm, quantise-> the next layer's h and int8

Q, K and V read one quantised copy of h, in one product against their three weights side by side: the
same numbers as three products, as the per-row scale of h is the same for all three. GELU's erf is
Abramowitz and Stegun's 7.1.28 (absolute error below 3e-7, far under int8's steps of 1/127), which the
compiler vectorises, unlike the maths library's erf.
"""
from __future__ import annotations

from types import SimpleNamespace

import numba as nb
import numpy as np
import torch
from torch import nn

F32 = np.float32
A1, A2, A3, A4, A5, A6 = (F32(c) for c in (0.0705230784, 0.0422820123, 0.0092705272, 0.0001520143, 0.0002765672,
                                          0.0000430638))  # erf's coefficients in A&S 7.1.28
SQRT_HALF = F32(0.7071067811865476)
TINY = F32(1e-8)
# the layer norm's sums use fast maths without reassociation: with it, LLVM summed a row in another order when
# numba compiled the loops than when it loaded them from its cache, and the first process after an install
# answered a little differently (probabilities by up to 0.007) from every later one. The other loops take
# maxima, which no order changes, and keep all of fast maths (without it they ran about a tenth slower).
SUMS = {"nnan", "ninf", "nsz", "arcp", "contract", "afn"}
LANES = 16  # a row's sums run in 16 fixed lanes, added up in a fixed order: vectorised, and deterministic


@nb.njit(fastmath=True, inline="always")
def _gelu(x):
    """0.5 x (1 + erf(x / sqrt 2)), written without a branch so that the loops around it vectorise."""
    z = min(abs(x) * SQRT_HALF, F32(4))  # erf(4) is 1 in float32; and p ** 16 stays finite (fast
    # maths assumes no infinities)
    p = F32(1) + z * (A1 + z * (A2 + z * (A3 + z * (A4 + z * (A5 + z * A6)))))
    p = p * p
    p = p * p
    p = p * p
    p = p * p  # p ** 16
    return F32(0.5) * (x + abs(x) * (F32(1) - F32(1) / p))  # x erf(|x|/sqrt 2) sign(x) = |x| erf(|x|/sqrt 2)


@nb.njit(parallel=True, fastmath=True, cache=True)
def quantise_rows(x, xq, xs):
    """xq[i] = round(x[i] * 127 / max|x[i]|) as int8; xs[i] = max|x[i]|."""
    n, k = x.shape
    for i in nb.prange(n):
        m = TINY
        for j in range(k):
            m = max(m, abs(x[i, j]))
        xs[i] = m
        f = F32(127) / m
        for j in range(k):
            xq[i, j] = np.int8(np.rint(x[i, j] * f))


@nb.njit(parallel=True, fastmath=True, cache=True)
def rescale(y, xs, ws, b, out):
    """out = y * xs[row] * ws[column] + b[column]: an int32 product back to float."""
    n, m = y.shape
    for i in nb.prange(n):
        s = xs[i]
        for j in range(m):
            out[i, j] = F32(y[i, j]) * s * ws[j] + b[j]


@nb.njit(parallel=True, fastmath=True, cache=True)
def rescale_gelu_quantise(y, xs, ws, b, oq, os):
    """GELU of the rescaled product, quantised per row for the next product (never stored as float)."""
    n, m = y.shape
    for i in nb.prange(n):
        s = xs[i]
        row = np.empty(m, dtype=np.float32)
        for j in range(m):
            row[j] = _gelu(F32(y[i, j]) * s * ws[j] + b[j])
        mx = TINY
        for j in range(m):
            mx = max(mx, abs(row[j]))
        os[i] = mx
        f = F32(127) / mx
        for j in range(m):
            oq[i, j] = np.int8(np.rint(row[j] * f))


@nb.njit(fastmath=SUMS, inline="always")
def _lane_sum(x, i, mean, squares):
    """sum(x[i]) or, with squares, sum((x[i] - mean) ** 2): in LANES lanes, then the lanes in order."""
    m = x.shape[1]
    acc = np.zeros(LANES, dtype=np.float32)
    tail = m - m % LANES
    for jb in range(0, tail, LANES):
        for lane in range(LANES):
            v = x[i, jb + lane] - mean
            acc[lane] += v * v if squares else v
    total = F32(0)
    for lane in range(LANES):
        total += acc[lane]
    for j in range(tail, m):
        v = x[i, j] - mean
        total += v * v if squares else v
    return total


@nb.njit(parallel=True, fastmath=SUMS, cache=True)
def rescale_add_norm_quantise(y, xs, ws, b, res, gamma, beta, eps, out, oq, os):
    """out = LayerNorm(rescaled product + b + res), also quantised per row for the next product."""
    n, m = y.shape
    for i in nb.prange(n):
        s = xs[i]
        for j in range(m):
            out[i, j] = F32(y[i, j]) * s * ws[j] + b[j] + res[i, j]
        mean = _lane_sum(out, i, F32(0), False) / m
        r = F32(1) / np.sqrt(_lane_sum(out, i, mean, True) / m + eps)
        mx = TINY
        for j in range(m):
            v = (out[i, j] - mean) * r * gamma[j] + beta[j]
            out[i, j] = v
            mx = max(mx, abs(v))
        os[i] = mx
        f = F32(127) / mx
        for j in range(m):
            oq[i, j] = np.int8(np.rint(out[i, j] * f))


def quantised(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """quantise_rows for a (rows, width) float tensor: its int8 copy and its row scales."""
    xq, xs = torch.empty(x.shape, dtype=torch.int8), torch.empty(x.shape[0])
    quantise_rows(x.numpy(), xq.numpy(), xs.numpy())
    return xq, xs


def _weights(*linears: nn.Linear) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Int8 weights (in x out) with per-output-channel scales (the input's 1/127 folded in) and biases,
    of one or more linear layers side by side."""
    w = torch.cat([lin.weight.detach().float() for lin in linears])
    scale = w.abs().amax(1).clamp(min=1e-8) / 127
    wq = torch.round(w / scale[:, None]).to(torch.int8).t().contiguous()
    return wq, (scale / 127).contiguous(), torch.cat([lin.bias.detach().float() for lin in linears]).contiguous()


class Int8Layer(nn.Module):
    """One BERT layer in int8 (see the module's docstring): four products, attention, and fused loops."""

    def __init__(self, layer):
        super().__init__()
        att = layer.attention
        self.heads = att.self.num_attention_heads
        for name, lins in [("qkv", (att.self.query, att.self.key, att.self.value)), ("o", (att.output.dense,)),
                           ("i", (layer.intermediate.dense,)), ("o2", (layer.output.dense,))]:
            wq, ws, b = _weights(*lins)
            self.register_buffer(f"{name}_w", wq)
            self.register_buffer(f"{name}_s", ws)
            self.register_buffer(f"{name}_b", b)
        for name, ln in [("ln1", att.output.LayerNorm), ("ln2", layer.output.LayerNorm)]:
            self.register_buffer(f"{name}_g", ln.weight.detach().float().contiguous())
            self.register_buffer(f"{name}_b", ln.bias.detach().float().contiguous())
            setattr(self, f"{name}_eps", F32(ln.eps))

    def _product(self, name: str, xq: torch.Tensor, xs: torch.Tensor) -> tuple:
        """The int32 product of xq with the named weights, and what rescales it: the arguments that every
        loop after a product starts with."""
        w = getattr(self, f"{name}_w")
        return (torch._int_mm(xq, w).numpy(), xs.numpy(), getattr(self, f"{name}_s").numpy(),
                getattr(self, f"{name}_b").numpy())

    def _add_norm(self, name: str, y: tuple, res: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """LayerNorm(product + res): the float rows, their int8 copy and their row scales."""
        n, d = res.shape
        out, oq, os = torch.empty((n, d)), torch.empty((n, d), dtype=torch.int8), torch.empty(n)
        rescale_add_norm_quantise(*y, res.numpy(), getattr(self, f"{name}_g").numpy(), getattr(self, f"{name}_b").numpy(),
                                  getattr(self, f"{name}_eps"), out.numpy(), oq.numpy(), os.numpy())
        return out, oq, os

    def forward(self, h, hq, hs, mask, shape):
        """h: (rows, hidden) float; hq, hs: its int8 copy and row scales; mask: (batch, 1, 1, length) bool."""
        bsz, length = shape
        n, d = h.shape
        qkv = torch.empty((n, 3 * d))
        rescale(*self._product("qkv", hq, hs), qkv.numpy())
        q, k, v = (qkv[:, i * d:(i + 1) * d].view(bsz, length, self.heads, -1).transpose(1, 2) for i in range(3))
        ctx = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask).transpose(1, 2).reshape(n, d)
        h1, h1q, h1s = self._add_norm("ln1", self._product("o", *quantised(ctx)), h)
        gq, gs = torch.empty((n, self.i_w.shape[1]), dtype=torch.int8), torch.empty(n)
        rescale_gelu_quantise(*self._product("i", h1q, h1s), gq.numpy(), gs.numpy())
        return self._add_norm("ln2", self._product("o2", gq, gs), h1)


class Int8Encoder(nn.Module):
    """A BertModel's encoder for inference in int8: the same call as the model (input_ids, attention_mask)
    and its last_hidden_state; the embeddings stay in float."""

    def __init__(self, bert):
        super().__init__()
        if bert.config.hidden_act != "gelu" or getattr(bert.config, "position_embedding_type", "absolute") != "absolute":
            raise ValueError("the int8 encoder supports BERT with GELU and absolute positions only")
        self.config = bert.config
        self.embeddings = bert.embeddings
        self.layers = nn.ModuleList(Int8Layer(layer) for layer in bert.encoder.layer)
        self(torch.zeros((1, 2), dtype=torch.long), torch.ones((1, 2), dtype=torch.long))  # compile (or load) the
        # loops now, not in the first request: about 6 s on a machine without numba's cache of them

    @torch.inference_mode()
    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> SimpleNamespace:
        nb.set_num_threads(max(1, min(torch.get_num_threads(), nb.config.NUMBA_NUM_THREADS)))
        bsz, length = input_ids.shape
        h = self.embeddings(input_ids=input_ids).reshape(bsz * length, -1).float().contiguous()
        hq, hs = quantised(h)
        mask = attention_mask.bool()[:, None, None, :]
        for layer in self.layers:
            h, hq, hs = layer(h, hq, hs, mask, (bsz, length))
        return SimpleNamespace(last_hidden_state=h.view(bsz, length, -1))
