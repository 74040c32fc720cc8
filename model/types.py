"""Typed records that flow between the stages, and the one data contract (character offsets,
quote content with quotation marks excluded) shared by the corpus, the CLI, the server and the
evaluation."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

LABELS = ("FAVOR", "AGAINST", "NONE")
KINDS = ("direct", "partial", "split", "multi-paragraph", "headline")
NOT_QUOTE_WHY = ("scare", "title", "term", "nickname")
FLIP = {"FAVOR": "AGAINST", "AGAINST": "FAVOR", "NONE": "NONE"}  # a label toward the opposite statement


@dataclass
class Span:
    start: int
    end: int


@dataclass
class Mention:
    """A mention of a possible speaker: a name, a pronoun, a description or an organisation."""

    start: int
    end: int
    text: str
    kind: str  # name | pronoun | description | organisation
    entity: int = -1  # cluster id within the article; -1 until clustered


@dataclass
class Quote:
    start: int
    end: int
    text: str = ""
    kind: str = "direct"
    speaker: str | None = None
    speaker_mention: Span | None = None
    cue: Span | None = None
    speaker_confidence: float = 0.0
    stance: str | None = None
    scores: dict[str, float] | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Article:
    id: str
    text: str
    target: str = ""
    dispute: str | None = None
    quotes: list[Quote] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"id": self.id, "target": self.target, "quotes": [q.to_dict() for q in self.quotes]}
