"""Shared fixtures: a tiny corpus written inline, and tiny trained models built from it once."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.corpus import build_records, load_disputes

SOURCE = """\
=== kurils-901
dispute: kurils
title: Minister says islands "not for sale"
date: 2024-03-05
style: wire
--- text
Minister says islands "<q1>not for sale</q1>"

MOSCOW, March 5 (Wire) — Russia's deputy foreign minister, Irina Volkova, spoke on Tuesday about the so-called "<n:scare>peace plan</n>".

"<q2>The islands are Russian land and will stay Russian,</q2>" <m2>Volkova</m2> <c2>told reporters</c2>. "<q3>There is nothing to discuss.</q3>"

In Tokyo, Chief Cabinet Secretary Kenji Harada disagreed. "<q4>The four islands are an inherent part of Japan's territory,</q4>" <m4>he</m4> <c4>said</c4>.

<m5>The minister</m5> later <c5>added</c5> that talks on fishing were "<q5>purely technical</q5>".
--- quotes
q1 | Irina Volkova | - | - | headline | AGAINST
q2 | Irina Volkova | m2 | c2 | split | AGAINST
q3 | Irina Volkova | m2 | c2 | split | AGAINST
q4 | Kenji Harada | m4 | c4 | direct | FAVOR
q5 | Irina Volkova | m5 | c5 | partial | NONE
--- end

=== crimea-901
dispute: crimea
title: Kyiv rejects vote
date: 2019-03-16
style: wire
--- text
Kyiv rejects vote

KYIV — Ukraine's foreign ministry rejected the vote. ‘<q1>Crimea is Ukraine and always will be,</q1>’ <c1>said</c1> <m1>Olena Marchuk</m1>, a ministry spokeswoman.

Local officials disagreed. «<q2>People here chose Russia, and they chose freely</q2>», <c2>according to</c2> <m2>Pavel Gromov</m2>, a deputy in Simferopol.

<m3>Marchuk</m3> <c3>said</c3> the next round of talks would be held "<q3>in Geneva, on the usual dates</q3>".
--- quotes
q1 | Olena Marchuk | m1 | c1 | direct | FAVOR
q2 | Pavel Gromov | m2 | c2 | direct | AGAINST
q3 | Olena Marchuk | m3 | c3 | partial | NONE
--- end
"""


@pytest.fixture(scope="session")
def disputes() -> dict:
    return load_disputes()


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """train/dev/test splits built from SOURCE (each article in every split, ids made unique)."""
    d = tmp_path_factory.mktemp("corpus")
    src = d / "src.txt"
    src.write_text(SOURCE, encoding="utf-8")
    records = build_records([src])
    for split in ("train", "dev", "test"):
        with open(d / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps({**r, "id": f"{r['id']}-{split}"}, ensure_ascii=False) + "\n")
    return d


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory, tiny_corpus) -> Path:
    """Stage-1 models and a tiny random stance model, trained a few steps on the tiny corpus."""
    from model.stance import StanceConfig
    from model.training import train_all

    out = tmp_path_factory.mktemp("artifacts")
    train_all(out, StanceConfig(epochs=2, max_steps=4, batch_size=4, learning_rate=1e-3), tiny=True,
              log=lambda *a: None, progress=False, corpus_dir=tiny_corpus)
    return out
