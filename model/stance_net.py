"""The stance network: one shared transformer encoder for the target statement and the quote, and a
small head that compares the two.

Both texts are mean-pooled and L2-normalised, as all-MiniLM-L6-v2 was trained to embed sentences. The
head reads [q, t, q*t, |q-t|]: the elementwise product lets it compare the side a quote takes with
the side the target states, which is what stance toward an arbitrary target needs (a cross-encoder
over the pair learnt this comparison far worse from our data: see the stance issue's measurements).
"""
from __future__ import annotations

import math

import torch
from torch import nn


class QuoteTargetNet(nn.Module):
    def __init__(self, encoder, n_labels: int = 3, head_dim: int = 256, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        h = encoder.config.hidden_size
        self.scale = math.sqrt(h)  # unit vectors have components near 1/sqrt(h); bring them near 1
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(4 * h, head_dim), nn.GELU(), nn.Dropout(dropout),
                                  nn.Linear(head_dim, n_labels))

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.pool(self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state,
                         attention_mask)

    def hidden(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, layers: int) -> torch.Tensor:
        """The hidden states after the embeddings and the encoder's first `layers` layers."""
        h = self.encoder.embeddings(input_ids=input_ids)
        return self._layers(h, attention_mask, 0, layers)

    def embed_from(self, h: torch.Tensor, attention_mask: torch.Tensor, layers: int) -> torch.Tensor:
        """embed() from the hidden states that the first `layers` layers gave (see hidden())."""
        return self.pool(self._layers(h, attention_mask, layers, None), attention_mask)

    def _layers(self, h: torch.Tensor, attention_mask: torch.Tensor, start: int, stop: int | None) -> torch.Tensor:
        from transformers.masking_utils import create_bidirectional_mask

        mask = create_bidirectional_mask(config=self.encoder.config, inputs_embeds=h, attention_mask=attention_mask)
        for layer in self.encoder.encoder.layer[start:stop]:
            h = layer(h, mask)
        return h

    def pool(self, out: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Mean over the unmasked tokens, L2-normalised and scaled."""
        mask = attention_mask.unsqueeze(-1).to(out.dtype)
        pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return nn.functional.normalize(pooled, dim=-1) * self.scale

    def compare(self, q: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([q, t, q * t / self.scale, (q - t).abs()], dim=-1))


class Int8Linear(nn.Module):
    """A linear layer for inference in int8: the weights are quantised once, with one scale per output
    channel, and the input is quantised per token, with one scale per row, before an int8 x int8 -> int32
    product (torch._int_mm, VNNI on this CPU). A single scale for the whole batch (torch's dynamic
    quantisation) lets the few tokens with very large activations after the feed-forward GELU crush every
    other token to a handful of levels: its embeddings kept a cosine of 0.92 with fp32, these keep 0.998.
    Per-token scales also keep one quote's outliers from moving another quote's answer: over 200 test quotes
    read alone and in batches, no label changed (per-batch scales: 19 changed). Padding still shifts the
    attention's float sums a little, which can move a rounding: probabilities moved by at most 0.04."""

    def __init__(self, linear: nn.Linear):
        super().__init__()
        w = linear.weight.detach().float()
        scale = w.abs().amax(1).clamp(min=1e-8) / 127
        self.register_buffer("weight_q", torch.round(w / scale[:, None]).to(torch.int8).t().contiguous())
        self.register_buffer("weight_scale", scale / 127)  # the input's 1/127 folded in
        bias = linear.bias.detach().float() if linear.bias is not None else torch.zeros(w.shape[0])
        self.register_buffer("bias", bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        x = x.reshape(-1, shape[-1])
        # max |x| per row from two reductions that write nothing: half the time of x.abs().amax()
        x_scale = torch.maximum(x.amax(1, keepdim=True), x.amin(1, keepdim=True).neg_()).clamp_(min=1e-8)
        xq = torch.mul(x, 127 / x_scale).round_().to(torch.int8)
        y = torch._int_mm(xq, self.weight_q).float().mul_(x_scale)
        return torch.addcmul(self.bias, y, self.weight_scale).reshape(*shape[:-1], -1)


def quantise_int8(module: nn.Module) -> int:
    """Replace every nn.Linear inside module by an Int8Linear; returns how many were replaced."""
    n = 0
    for name, child in module.named_children():
        if isinstance(child, nn.Linear):
            setattr(module, name, Int8Linear(child))
            n += 1
        else:
            n += quantise_int8(child)
    return n
