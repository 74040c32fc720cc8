"""The whole product in one object: quotes -> speakers -> stance, for one article or a batch.

    pipe = Pipeline.load("artifacts")            # or Pipeline.load("artifacts", stance=False)
    quotes = pipe.predict(text, target)          # list[Quote]
    articles = pipe.predict_batch([ArticleIn(id, text, target)])
"""
from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass
from pathlib import Path

from model import lexicon, speakers
from model import quotes as qmod
from model.corpus import load_disputes
from model.types import Article, Quote, Span

STAGE1_DIR = "stage1"
STANCE_DIR = "stance"


class ModelMissing(FileNotFoundError):
    pass


@dataclass
class ArticleIn:
    id: str
    text: str
    target: str | None = None
    spans: list[tuple[int, int]] | None = None  # given quote spans: detection is skipped


def default_target(disputes: dict | None = None) -> str:
    return (disputes or load_disputes())["kurils"]["claim"]


def spans_from_offsets(text: str, offsets: list[tuple[int, int]]) -> list[qmod.Span]:
    """Scanner spans for user-given quote offsets, so that kinds and attribution work as usual."""
    out, para_of = [], speakers.Paragraphs(text)
    for s, e in sorted(offsets):
        mark = text[s - 1] if s > 0 and text[s - 1] in qmod.QUOTE_CHARS else ""
        out.append(qmod.Span(s, e, mark, e < len(text) and text[e] in qmod.QUOTE_CHARS, para_of(s), para_of.end(e)))
    qmod.assign_kinds(text, out)
    return out


ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


class Decoded:
    """An article's text with its HTML character references decoded (text copied from a page's source:
    &quot;, &#8220;, Japan&rsquo;s), and the way back to the offsets of the text as given. Stage 1 reads
    the decoded text, so that such marks and apostrophes are what they stand for; every offset it returns
    is mapped back, and a quote's text is the decoded one."""

    def __init__(self, raw: str, refs: list[tuple[re.Match, str]]):
        """refs: the character references of raw in order, each with what it decodes to (see of)."""
        parts, self.starts, self.ends, last = [], [], [], 0
        for m, dec in refs:
            parts += [raw[last:m.start()], dec]
            self.starts += [*range(last, m.start()), *[m.start()] * len(dec)]
            self.ends += [*range(last + 1, m.start() + 1), *[m.end()] * len(dec)]
            last = m.end()
        parts.append(raw[last:])
        self.starts += [*range(last, len(raw)), len(raw)]  # and where the text ends
        self.ends += range(last + 1, len(raw) + 1)
        self.text = "".join(parts)

    @staticmethod
    def of(raw: str) -> Decoded | None:
        """None when raw has no character reference that HTML knows ("&Q;" is none): nearly always, and
        then no copy is made."""
        if "&" not in raw:
            return None
        refs = [(m, dec) for m in ENTITY_RE.finditer(raw) if (dec := html.unescape(m.group())) != m.group()]
        return Decoded(raw, refs) if refs else None

    def to_raw(self, s: int, e: int) -> tuple[int, int]:
        """Decoded offsets [s, e) -> the raw text's: from the first character's start to the last one's end."""
        return self.starts[s], self.ends[e - 1] if e > s else self.starts[s]

    def from_raw(self, s: int, e: int) -> tuple[int, int]:
        """Raw offsets [s, e) -> the decoded characters that start inside them."""
        return bisect.bisect_left(self.starts, s), bisect.bisect_left(self.starts, e)


class Pipeline:
    def __init__(self, qfilter: qmod.QuoteFilter, ranker: speakers.SpeakerRanker, stance=None,
                 disputes: dict | None = None):
        self.qfilter = qfilter
        self.ranker = ranker
        self.stance = stance
        self.disputes = disputes if disputes is not None else load_disputes()

    @classmethod
    def load(cls, model_dir: str | Path = "artifacts", stance: bool = True, int8: bool = True) -> Pipeline:
        """Load the trained models of model_dir; stance=False loads no transformer; int8=False keeps the
        stance encoder in fp32, as trained (slower; int8 loses less than 0.01 macro-F1: see the README)."""
        d = Path(model_dir)
        f, r = d / STAGE1_DIR / "quote_filter.json", d / STAGE1_DIR / "speaker_ranker.json"
        if not f.exists() or not r.exists():
            raise ModelMissing(f"no trained stage-1 models in {d}/: run `python train.py --out {d}` first")
        sm = None
        if stance:
            from model.stance import StanceModel

            if not (d / STANCE_DIR / "stance.json").exists():
                raise ModelMissing(f"no trained stance model in {d}/{STANCE_DIR}/: run `python train.py --out {d}` "
                                   "first (or pass --no-stance)")
            sm = StanceModel.load(d / STANCE_DIR, int8=int8)
        return cls(qmod.QuoteFilter.load(f), speakers.SpeakerRanker.load(r), sm)

    def versions(self) -> dict:
        return {"quote_filter": self.qfilter.meta.get("data_sha256", "default"),
                "speaker_ranker": self.ranker.meta.get("data_sha256", "default"),
                "stance": self.stance.meta.get("train_data_sha256") if self.stance else None}

    # -------------------------------------------------------- stage 1

    def quotes(self, text: str, spans: list[tuple[int, int]] | None = None) -> list[Quote]:
        """Stage 1 alone: the quotes of text (or the given spans) with their speakers. Text with HTML
        character references is read decoded (see Decoded); the offsets returned are text's own."""
        return self._read(text, spans, Decoded.of(text))

    def _read(self, text: str, spans: list[tuple[int, int]] | None, dec: Decoded | None) -> list[Quote]:
        """quotes(), with text's Decoded (or None) found already."""
        if dec is not None:
            spans = [dec.from_raw(s, e) for s, e in spans] if spans is not None else None
            out = self._quotes(dec.text, spans)
            for q in out:
                q.start, q.end = dec.to_raw(q.start, q.end)
                for sp in (q.speaker_mention, q.cue):
                    if sp is not None:
                        sp.start, sp.end = dec.to_raw(sp.start, sp.end)
            return out
        return self._quotes(text, spans)

    def _quotes(self, text: str, spans: list[tuple[int, int]] | None) -> list[Quote]:
        cues = lexicon.CueIndex(text)
        found = spans_from_offsets(text, spans) if spans is not None else qmod.detect(text, self.qfilter, cues)
        atts = speakers.attribute(text, [(s.start, s.end, s.kind) for s in found], self.ranker, cues)
        return [Quote(start=s.start, end=s.end, text=text[s.start:s.end], kind=s.kind, speaker=a.speaker,
                      speaker_mention=Span(*a.mention) if a.mention else None, cue=Span(*a.cue) if a.cue else None,
                      speaker_confidence=a.confidence) for s, a in zip(found, atts)]

    # -------------------------------------------------------- both stages

    def predict(self, text: str, target: str | None = None, spans: list[tuple[int, int]] | None = None) -> list[Quote]:
        return self.predict_batch([ArticleIn("0", text, target, spans)])[0].quotes

    def predict_batch(self, articles: list[ArticleIn], progress=None) -> list[Article]:
        """Stage 1 per article, then one batched stance pass over every quote of every article."""
        out, decs = [], [Decoded.of(a.text) for a in articles]
        for a, dec in zip(articles, decs):
            out.append(Article(a.id, a.text, a.target or default_target(self.disputes), quotes=self._read(a.text, a.spans, dec)))
            if progress is not None:
                progress(1)
        if self.stance is not None:
            self._label(out, decs)
        return out

    def _label(self, articles: list[Article], decs: list[Decoded | None]) -> None:
        """Stance for every quote of articles; decs: each article's Decoded (or None)."""
        from model.stance import pair_text, sentence_context

        targets, texts, refs, groups = [], [], [], []
        ctx = self.stance.meta.get("hyperparameters", {}).get("context", True)
        for k, (art, dec) in enumerate(zip(articles, decs)):
            for q in art.quotes:
                before, after = (sentence_context(dec.text, *dec.from_raw(q.start, q.end)) if dec is not None
                                 else sentence_context(art.text, q.start, q.end))
                targets.append(art.target)
                texts.append(pair_text(q.text, q.speaker, before, after, ctx))
                refs.append(q)
                groups.append((k, q.speaker) if q.speaker else None)  # one side per speaker and article
        from model.stance import opposites

        for q, p in zip(refs, self.stance.predict(targets, texts, opposites(self.disputes), groups)):
            q.stance, q.scores = p["stance"], p["scores"]


def write_stage1(model_dir: Path, qfilter: qmod.QuoteFilter, ranker: speakers.SpeakerRanker, card: str) -> Path:
    d = Path(model_dir) / STAGE1_DIR
    d.mkdir(parents=True, exist_ok=True)
    qfilter.save(d / "quote_filter.json")
    ranker.save(d / "speaker_ranker.json")
    (d / "README.md").write_text(card)
    return d

