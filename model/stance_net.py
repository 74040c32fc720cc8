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
