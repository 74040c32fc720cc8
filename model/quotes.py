"""Stage 1a: find quotation spans (content, marks excluded) in every mark style, and tell real
quotations from scare quotes, titles, terms and nicknames.

The scanner is one left-to-right pass per paragraph (linear in the text's length): each mark is
classed as able to open and/or close from its neighbours, an opener takes the first closer of its
own family, marks of the other family inside a quotation are nested and ignored, and an opener with
no closer runs to the end of its paragraph (the press convention for multi-paragraph quotes).
A small logistic model (`QuoteFilter`) then drops the spans that are not somebody's words.
"""
from __future__ import annotations

import json
import math
import operator
import re
from dataclasses import dataclass
from pathlib import Path

from model import lexicon

# opener -> closers. „German“ closes with “ (or ” in sloppy copy); '' and `` are typewriter styles;
# curly and straight double marks close each other, as they do in hastily edited copy.
CLOSERS = {
    "“": ("”", "\""), "„": ("“", "”"), "«": ("»",), "\"": ("\"", "”"), "''": ("''", "\"", "”"), "``": ("''",),
    "‟": ("”",), "‘": ("’",), "'": ("'", "’"), "‹": ("›",), "‚": ("‘", "’"), "»": ("«",),
}
QUOTE_CHARS = set("\"'“”‘’«»„‟‹›‚`")
DOUBLE = {"“", "”", "„", "«", "»", "\"", "''", "``", "‟"}
MARK_RE = re.compile(r"''|``|[\"“”„‟«»‘’'‹›‚]")
OPEN_PUNCT = set("([{—–―-/:;,")
CLOSE_PUNCT = set(".,;:!?)]}—–―-/…")
PARA_RE = re.compile(r"[^\n]+")
SPLIT_GAP_RE = re.compile(r",\s*(?:''|``|[\"“„«‘'‚‹])$")  # `"A," he said, "B"`: the gap ends ', "'


@dataclass
class Mark:
    pos: int
    end: int
    char: str
    can_open: bool
    can_close: bool


@dataclass
class Span:
    """A quotation candidate: content offsets, its marks, and how it was found."""

    start: int
    end: int
    open_mark: str
    closed: bool  # False: ran to the end of the paragraph
    para_start: int
    para_end: int
    kind: str = "direct"
    score: float = 1.0


def _mark(text: str, m: re.Match) -> Mark | None:
    s, e, ch = m.start(), m.end(), m.group()
    p = text[s - 1] if s > 0 else " "
    n = text[e] if e < len(text) else " "
    left_open = p.isspace() or p in OPEN_PUNCT or p in "\"“„«‘'‚‹"
    right_open = n.isspace() or n in CLOSE_PUNCT or n in "\"”»’'›"
    if ch in "'’" and p.isalnum() and n.isalnum():
        return None  # apostrophe inside a word: don't, Japan's, O'Neill
    if ch in "'’" and n.isdigit() and not p.isalnum():
        return None  # '90s
    can_open = not n.isspace() and left_open
    can_close = not p.isspace() and right_open
    if ch in ("”", "’", "›"):
        can_open = False  # closing shapes in English and German copy
    if ch in ("„", "‚", "«", "‹", "``"):
        can_close = False  # opening shapes
    if not can_open and not can_close and p.isspace() and n.isspace() and ch in "\"'":
        can_open = can_close = True  # a lone straight mark between spaces: let context decide
    return Mark(s, e, ch, can_open, can_close)


def scan_marks(text: str, start: int, end: int) -> list[Mark]:
    out = []
    for m in MARK_RE.finditer(text, start, end):
        mk = _mark(text, m)
        if mk:
            out.append(mk)
    return out


def _find_closer(text: str, marks: list[Mark], i: int) -> int:
    """Index of the mark that closes marks[i], or -1. Marks of the other family are nested, and so
    are same-style pairs inside ('He said, 'Mummy, don't cry.' I cried'). The opener's own closer
    wins; a mixed-style closer (“...") only when the paragraph has no own one; a plural possessive
    (islands' future) closes only when nothing later can."""
    opener = marks[i]
    closers = CLOSERS.get(opener.char, ())
    fallback, possessive, depth = -1, -1, 0
    for j in range(i + 1, len(marks)):
        mk = marks[j]
        if mk.char == opener.char and mk.can_open and not mk.can_close and opener.char in "'‘":
            depth += 1
            continue
        if not mk.can_close or mk.char not in closers:
            continue
        if depth:
            depth -= 1
            continue
        if opener.char in "'‘" and text[mk.pos - 1:mk.pos] == "s" and re.match(r" [a-z]", text[mk.end:mk.end + 2]):
            possessive = j if possessive < 0 else possessive
            continue
        if mk.char == closers[0]:
            return j
        if fallback < 0:
            fallback = j
    return fallback if fallback >= 0 else possessive


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def scan_paragraph(text: str, ps: int, pe: int) -> list[Span]:
    marks = scan_marks(text, ps, pe)
    spans, i = [], 0
    while i < len(marks):
        mk = marks[i]
        if not mk.can_open or mk.char not in CLOSERS:
            i += 1
            continue
        j = _find_closer(text, marks, i)
        if j >= 0:
            s, e = _trim(text, mk.end, marks[j].pos)
            if e > s:
                spans.append(Span(s, e, mk.char, True, ps, pe))
            i = j + 1
            continue
        # no closer in the paragraph: a double mark (or any mark opening the paragraph) runs to its end
        if mk.char in DOUBLE or mk.pos == ps:
            s, e = _trim(text, mk.end, pe)
            if e - s >= 2:
                spans.append(Span(s, e, mk.char, False, ps, pe))
            break
        i += 1
    return spans


def scan(text: str) -> list[Span]:
    """Every quotation-mark span of the text, paragraph by paragraph, in order."""
    spans = []
    for m in PARA_RE.finditer(text):
        spans += scan_paragraph(text, m.start(), m.end())
    return spans


# ---------------------------------------------------------------- kinds


def _is_headline_line(text: str, ps: int, pe: int, first_line: bool, in_header: bool) -> bool:
    """A headline, sub-headline or caption: the article's first line (when more follows), a short line
    that does not end as a sentence does, or a short line of the header without a cue (a quote standing
    alone as a standfirst)."""
    line = text[ps:pe].strip()
    words = line.split()
    if first_line and len(words) <= 25 and NONSPACE_RE.search(text, pe) and not (
            line.rstrip("\"”’'»").endswith(".") and lexicon.has_cue(line)):  # a short lede sentence, not a headline
        return True
    if in_header and len(words) <= 25 and not lexicon.has_cue(line):
        return True
    return len(words) <= 16 and not line.endswith((".", ":", ",", ";", "?", "!")) and not line.endswith(
        tuple("\"”’'»“"))


def header_end(text: str, limit: int = 3000) -> int:
    """Start of the first long paragraph (over 30 words): the short lines above it are the article's
    header (headline, standfirst, labels); 0 when no long paragraph starts within `limit` characters."""
    for m in PARA_RE.finditer(text):
        if m.start() > limit:
            break
        if len(m.group().split()) > 30:
            return m.start()
    return 0


def assign_kinds(text: str, spans: list[Span]) -> None:
    """Direct, partial, split, multi-paragraph or headline, from the marks and their surroundings."""
    first_para = next(PARA_RE.finditer(text), None)
    head_end = header_end(text)
    headline: dict[int, bool] = {}  # per paragraph start: many spans share one long paragraph
    for k, sp in enumerate(spans):
        before = text[max(sp.para_start, sp.start - 80):sp.start - len(sp.open_mark)].rstrip()
        content = text[sp.start:sp.end]
        if sp.para_start not in headline:
            headline[sp.para_start] = _is_headline_line(
                text, sp.para_start, sp.para_end, first_para is not None and sp.para_start == first_para.start(),
                sp.para_start < head_end)
        if headline[sp.para_start]:
            sp.kind = "headline"
        elif not sp.closed and k + 1 < len(spans) and spans[k + 1].start - len(spans[k + 1].open_mark) == \
                spans[k + 1].para_start and text[sp.para_end:spans[k + 1].para_start].strip() == "":
            sp.kind = spans[k + 1].kind = "multi-paragraph"
        elif sp.kind == "multi-paragraph":
            continue
        elif content[:1].islower() or (before and before[-1].isalnum() and not content.rstrip().endswith((".", "?", "!"))):
            sp.kind = "partial"
    for a, b in zip(spans, spans[1:]):
        gap = text[a.end:b.start]
        if (a.kind in ("direct", "partial", "split") and b.kind in ("direct", "partial")
                and a.para_start == b.para_start and len(gap.split()) <= 25 and lexicon.has_cue(gap)
                and (SPLIT_GAP_RE.search(gap) or text[a.start:a.end].rstrip().endswith(",") or gap.lstrip()[:2] in
                     (",\"", ",”", ",’", ",'"))):
            a.kind = b.kind = "split"


# ---------------------------------------------------------------- the quote / not-quote filter

FEATURES = ("bias", "log_words", "one_word", "le3_words", "starts_upper", "ends_punct", "ends_comma",
            "has_verb_like", "first_person", "second_person", "cue_near", "cue_after", "cue_before",
            "colon_before", "naming_before", "title_case", "headline", "single_mark", "unclosed",
            "para_start", "in_parens", "sentence_like", "lower_start_after_word", "work_before",
            "cue_in_sentence", "short_no_cue", "transcript", "det_before", "naming_within5", "lower_term",
            "copula_reported")


def _naming(words: list[str]) -> bool:
    """A naming word among these words before a mark: "so-called", "dubbed", "known as". A bare "as"
    names only after a naming verb ("known as"), since "described the mood as 'gloomy'" quotes somebody;
    "call" (and "brand") names only with nothing but an article before the mark ("what Tokyo calls 'X'",
    "planners call a 'bastion'"), since "called the visit 'regrettable'" quotes somebody."""
    words = [w.strip(",") for w in words]
    for k, w in enumerate(words):
        if w in CALL_FORMS:
            if all(x in ("a", "an", "the") for x in words[k + 1:]):
                return True
        elif w in lexicon.NAMING_WORDS and (w != "as" or (k > 0 and words[k - 1] in NAMING_BEFORE_AS)):
            return True
    return False


NAMING_BEFORE_AS = {"known", "to", "designated", "listed", "styled", "marked", "branded", "labelled", "labeled"}
CALL_FORMS = {"call", "calls", "called", "calling", "brand", "brands", "branded", "branding"}


COPULAS = {"is", "was", "were", "are", "be", "been", "being", "remains", "remained", "seemed", "seems", "became"}
FIRST_PERSON_RE = re.compile(r"\b(i|we|our|us|my|me|i'm|we're|we've)\b")
SECOND_PERSON_RE = re.compile(r"\b(you|your)\b")
SPEAKER_LABEL_RE = re.compile(r"[A-Z][A-Z .'-]+:")  # "LAVROV: ..." in a transcript


def span_features(text: str, sp: Span, cues: lexicon.CueIndex) -> list[float]:
    """cues: the text's CueIndex (built once per article)."""
    content = text[sp.start:sp.end]
    words = content.split()
    n = len(words)
    b0, b1 = max(sp.para_start, sp.start - 60), sp.start - len(sp.open_mark)
    a0, a1 = sp.end, min(sp.para_end, sp.end + 60)
    before, after = text[b0:b1], text[a0:a1]
    before_words = before.lower().split()[-4:]
    cue_in_sentence = bool(cues.first(_sentence_start(text, sp), sp.start) or cues.first(sp.end, _sentence_end(text, sp)))
    caps = [w for w in words if w[:1].isalpha()]
    title_case = bool(caps) and all(w[0].isupper() or w.lower() in lexicon.SMALL_WORDS for w in caps) and n <= 8
    low = content.lower()
    return [
        1.0,
        math.log1p(n),
        float(n == 1),
        float(n <= 3),
        float(content[:1].isupper()),
        float(content.rstrip()[-1:] in ".?!"),
        float(content.rstrip()[-1:] == ","),
        float(bool(lexicon.VERBISH_RE.search(low))),
        float(bool(FIRST_PERSON_RE.search(low))),
        float(bool(SECOND_PERSON_RE.search(low))),
        float(bool(cues.first(b0, b1) or cues.first(a0, a1))),
        float(bool(cues.first(a0, min(a1, a0 + 40)))),
        float(bool(cues.first(max(b0, b1 - 40), b1))),
        float(before.rstrip().endswith(":")),
        float(_naming(before_words[-3:])),
        float(title_case),
        float(sp.kind == "headline"),
        float(sp.open_mark in ("‘", "'", "‹", "‚")),
        float(not sp.closed),
        float(sp.start - len(sp.open_mark) == sp.para_start),
        float(before.rstrip().endswith("(") or after.lstrip().startswith(")")),
        float(n >= 5 and content[:1].isupper()),
        float(content[:1].islower() and bool(before.rstrip()[-1:].isalnum())),
        float(any(w.strip(",") in lexicon.WORK_WORDS or w.endswith(("'s", "’s")) and w[:1].isupper()
                  for w in before.split()[-3:])),
        float(cue_in_sentence),
        float(n <= 3 and not cue_in_sentence),
        float(bool(SPEAKER_LABEL_RE.match(content))),
        float(bool(before_words) and before_words[-1] in ("the", "a", "an", "its", "their", "his", "her", "our")),
        float(_naming(before.lower().split()[-5:])),
        float(content == content.lower() and n <= 6 and not cue_in_sentence and content.rstrip()[-1:] not in ".?!,"),
        # reported speech with a copula before the marks: 'said it would be "improper"', 'the army is "depleted"'
        float(cue_in_sentence and bool(before_words) and before_words[-1] in COPULAS),
    ]


SENTENCE_BREAK_RE = re.compile(rf"{lexicon.SENTENCE_STOP}[\"”’']?\s+(?=[A-Z“\"‘'«„])")


NONSPACE_RE = re.compile(r"\S")
SENTENCE_END_RE = re.compile(rf"{lexicon.SENTENCE_STOP}(?=[\"”’'»]?\s+[A-Z“\"‘'«„]|[\"”’'»]?$)")


def _sentence_start(text: str, sp: Span) -> int:
    """Start of the sentence that holds the opening mark (within the paragraph)."""
    i = sp.start - len(sp.open_mark)
    lo = max(sp.para_start, i - 600)  # bounded, so that a huge one-paragraph text stays linear
    ends = [m.end() for m in SENTENCE_BREAK_RE.finditer(text[lo:i])]
    return lo + (ends[-1] if ends else 0)


def _sentence_end(text: str, sp: Span) -> int:
    """End of the sentence that the closing mark sits in (within the paragraph)."""
    hi = min(sp.para_end, sp.end + 600)
    m = SENTENCE_END_RE.search(text[sp.end + 1:hi])
    return sp.end + 1 + m.end() if m else hi


class QuoteFilter:
    """Logistic regression over `span_features`, stored as JSON coefficients (no pickle)."""

    def __init__(self, coef: list[float] | None = None, threshold: float = 0.5, meta: dict | None = None):
        self.coef = coef or default_coef()
        self.threshold = threshold
        self.meta = meta or {}

    def prob(self, text: str, sp: Span, cues: lexicon.CueIndex) -> float:
        z = sum(map(operator.mul, self.coef, span_features(text, sp, cues)))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"features": FEATURES, "coef": self.coef, "threshold": self.threshold,
                                    **self.meta}, indent=1))

    @classmethod
    def load(cls, path: Path) -> QuoteFilter:
        d = json.loads(Path(path).read_text())
        if tuple(d["features"]) != FEATURES:
            raise ValueError(f"{path}: quote filter was trained with other features; run train.py again")
        return cls(d["coef"], d["threshold"], {k: v for k, v in d.items() if k not in ("features", "coef", "threshold")})


def default_coef() -> list[float]:
    """Hand-set weights used before training (and as a fallback): long sentence-like spans and spans
    next to a cue are quotes; short title-case or 'so-called' spans are not."""
    w = dict.fromkeys(FEATURES, 0.0)
    w.update(bias=-0.5, log_words=0.9, one_word=-1.5, cue_near=1.5, colon_before=1.0, naming_before=-3.0,
             title_case=-1.0, first_person=1.5, sentence_like=1.0, headline=0.5, unclosed=0.5)
    return [w[f] for f in FEATURES]


# a line that links to another page: "Read more: Kunashir residents: 'Nobody asked us'", "Related: "Manila
# summons envoy"" (what is in marks there is the linked page's title)
LINK_LINE_RE = re.compile(r"[^\S\n]*(?:related|read more|read also|also read|see also|more on this|further reading)"
                          r"[^\S\n]*[:|]", re.I)


def detect(text: str, qfilter: QuoteFilter | None = None, cues: lexicon.CueIndex | None = None) -> list[Span]:
    """The quotations of an article: scanned spans with kinds, minus those the filter rejects and those on
    a line that links to another page; cues: the text's CueIndex where the caller has built it already."""
    spans = scan(text)
    assign_kinds(text, spans)
    qfilter = qfilter or QuoteFilter()
    kept, cues, links = [], cues or lexicon.CueIndex(text), {}
    for sp in spans:
        sp.score = qfilter.prob(text, sp, cues)
        if sp.score >= qfilter.threshold:
            if sp.para_start not in links:
                links[sp.para_start] = bool(LINK_LINE_RE.match(text, sp.para_start))
            if not links[sp.para_start]:
                kept.append(sp)
    return kept


def filter_examples(docs: list[dict]) -> tuple[list[list[float]], list[int]]:
    """Features and labels (1: the span is an annotated quote) of every scanned span in docs."""
    X, y = [], []
    for doc in docs:
        text = doc["text"]
        gold = {_trim(text, q["start"], q["end"]) for q in doc["quotes"]}
        spans = scan(text)
        assign_kinds(text, spans)
        cues = lexicon.CueIndex(text)
        for sp in spans:
            X.append(span_features(text, sp, cues))
            y.append(int((sp.start, sp.end) in gold))
    return X, y


def train_quote_filter(docs: list[dict], c: float = 1.0, threshold: float = 0.5) -> QuoteFilter:
    """Fit the quote / not-quote filter (logistic regression) on gold-annotated articles."""
    from sklearn.linear_model import LogisticRegression

    X, y = filter_examples(docs)
    if len(set(y)) < 2:
        raise ValueError("the quote filter needs both quotes and non-quotes to train on")
    lr = LogisticRegression(C=c, max_iter=3000, fit_intercept=False).fit(X, y)
    return QuoteFilter([float(v) for v in lr.coef_[0]], threshold, {"n_spans": len(y), "n_quotes": sum(y)})
