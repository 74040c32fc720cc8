"""Stage 1b: speaker mentions, their clustering into entities, and the attribution of each quote.

Mentions are names ("Deputy Foreign Minister Irina Volkova", "Volkova"), pronouns ("she"),
descriptions ("the minister", "Russia's top diplomat") and organisations ("the foreign ministry",
"Tokyo"), found by rules outside quoted text. Names cluster by surname; titles and appositions give
each entity its roles; pronouns and descriptions resolve to the latest compatible entity. Each
quote's speaker mention is the best candidate near it under a linear ranker (`SpeakerRanker`,
JSON coefficients), and its speaker is the canonical (fullest) name of that mention's entity.
"""
from __future__ import annotations

import bisect
import functools
import json
import math
import operator
import re
from dataclasses import dataclass, field
from pathlib import Path

from model import lexicon
from model.quotes import header_end
from model.types import Mention

TOKEN_RE = re.compile(rf"(?:{'|'.join(lexicon.ABBREVIATIONS)})\.|[A-Z]\.(?=\s*[A-Z])|"
                      r"[^\W\d_][\w'’-]*|\d[\d,.]*|\S")
PARTICLES = {"de", "da", "van", "von", "bin", "bint", "al", "el", "del", "der", "le", "la", "dos", "das", "ibn",
             "di", "du", "ter", "ten", "abu", "y"}
MALE_A_NAMES = {"nikita", "ilya", "luca", "andrea", "joshua", "mustafa", "musa", "isa", "hamza", "attila",
                "kazuya", "takuya", "tetsuya", "shinya", "yuya", "tatsuya", "akira", "sasha", "misha", "kostya",
                "vanya", "zakaria", "zakariya", "yahya", "issa", "moussa", "oumarou", "aliya", "juma", "dmitrya",
                "jonah", "elijah", "ezra", "noah", "garcia", "costa", "silva", "souza", "ravindra", "krishna",
                "rama", "surya", "aditya", "chandra", "vijaya", "jose", "josé", "josue", "nicola", "sera", "saba"}
FEMALE_NAMES_OTHER = {"yoko", "akiko", "naoko", "keiko", "emi", "yumi", "naomi", "mari", "ayumi", "megumi",
                      "hiroko", "sachiko", "tomoko", "yuki", "kumiko", "michiko", "noriko", "haruka", "ji-yeon",
                      "min-ji", "soo-jin", "hye-jin", "eun-ji", "carmen", "isabel", "ingrid", "elizabeth",
                      "catherine", "margaret", "ruth", "helen", "karen", "susan", "jennifer", "rachel", "sarah",
                      "hillary", "ann", "anne", "jane", "kate", "claire", "alice", "rose", "grace", "nour",
                      "meryem", "yasmin", "jasmine", "mercedes", "dolores", "beatriz", "raquel", "ines", "inés",
                      "leticia", "pilar", "mariam", "noor", "shirin", "zeynep", "aigerim", "priya", "lakshmi",
                      "kavitha", "meenakshi", "preeti", "deepti", "aarti", "swati", "jyoti", "gauri", "nomvula",
                      "siobhan", "niamh", "aoife", "sinead", "ellen", "lynn", "kim", "beth", "jill", "megan"}
ROLE_SYNONYMS = {"diplomat": {"diplomat", "minister", "ambassador", "envoy", "foreign"},
                 "spokeswoman": {"spokeswoman", "spokesperson", "spokesman"},
                 "spokesman": {"spokesman", "spokesperson", "spokeswoman"},
                 "spokesperson": {"spokesperson", "spokesman", "spokeswoman"},
                 "official": {"official", "minister", "secretary", "spokesman", "spokeswoman", "spokesperson",
                              "director", "deputy", "ambassador", "envoy", "chief", "head", "officer", "governor"},
                 "lawmaker": {"lawmaker", "mp", "senator", "representative", "deputy", "congressman",
                              "congresswoman", "legislator", "parliament", "parliamentarian", "assembly"},
                 "chief": {"chief", "head", "director", "commander"}}


@dataclass
class Entity:
    id: int
    name: str
    kind: str  # person | organisation | description
    roles: set[str] = field(default_factory=set)
    gender: str | None = None
    gender_strong: bool = False  # from a title or a known first name, not from a name's ending
    seen: dict[int, tuple[int, bool, bool]] = field(default_factory=dict)  # position -> (position, object?, cue subject?)
    confirmed: bool = False  # seen with a title, a role, an age or a speech verb: surely a speaker


def tokens(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text, start, len(text) if end is None else end)]


def _is_sentence_start(text: str, pos: int) -> bool:
    before = text[max(0, pos - 4):pos].rstrip(" \t\"“‘'«„")
    return not before or (before[-1] in ".!?\n:—–" and not ABBREVIATION_END_RE.search(text, max(0, pos - 8), pos)) or pos == 0


ABBREVIATION_END_RE = re.compile(rf"\b(?:{'|'.join(lexicon.ABBREVIATIONS)}|[A-Z])\.\s+$")


class InQuotes:
    """Fast membership test: is a character offset inside any quote span?"""

    def __init__(self, spans: list[tuple[int, int]]):
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]

    def __contains__(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and self.spans[i][0] <= pos < self.spans[i][1]


CONNECTORS = {"of", "for", "and", "on"}
HYPHEN_PARTICLE_RE = re.compile(r"(?:al|el|ad|ag|ash|as|at|ar|an|az|abd|abu|bin|ibn|ben|ould)-[A-Z]")


def _possessive(w: str) -> bool:
    return w.endswith(("'s", "’s"))


def _bare(w: str) -> str:
    return (w[:-2] if _possessive(w) else w).lower()


def find_names(text: str, toks: list, inq: InQuotes) -> list[tuple[Mention, set[str]]]:
    """Capitalised name sequences, titles stripped into roles: people, organisations, places and
    lone capitalised words ('single') that may be surnames."""
    out, i = [], 0
    cap = [t[2][0].isupper() for t in toks] + [False]  # a one-character upper-case token is a letter
    for i0 in [k for k, c in enumerate(cap) if c]:  # a name starts at a capitalised word
        if i0 < i:
            continue
        i = i0
        s, e, w = toks[i]
        if s in inq:
            i += 1
            continue
        j, seq = i, []
        while j < len(toks) and toks[j][0] not in inq:
            tw = toks[j][2]
            if seq and text[seq[-1][1]:toks[j][0]] not in (" ", "\u00a0"):
                break
            if cap[j] or (seq and cap[j + 1] and (tw.lower() in PARTICLES or tw in CONNECTORS)) or (
                    seq and HYPHEN_PARTICLE_RE.match(tw)):  # "Hamid al-Nur Babiker"
                seq.append(toks[j])
                j += 1
                if _possessive(tw):
                    break
            else:
                break
        mention = _name_from_seq(text, seq)
        if mention and mention[0].end < seq[-1][0]:  # "Lucía Navarro and Jayden Sacarello": read on
            j = next(k for k in range(i, j) if toks[k][0] >= mention[0].end)
        i = max(j, i + 1)
        if mention:
            m, roles = mention
            prev = out[-1][0] if out else None
            if (m.kind == "organisation" and prev is not None and prev.kind == "place"
                    and _possessive(text[prev.start:prev.end + 2]) and text[prev.end + 2:m.start] == " "):
                out[-1] = (Mention(prev.start, m.end, text[prev.start:m.end], "organisation"), roles)
                continue
            out.append(mention)
    return out


def _is_stripped(w: str) -> bool:
    low = _bare(w)
    return (low in lexicon.TITLES or low.rstrip(".") in lexicon.TITLES or low in lexicon.NON_NAME_CAPS
            or low in lexicon.PLACES or low in lexicon.ROLE_NOUNS)


TITLE_WORDS = (lexicon.TITLES | lexicon.ROLE_NOUNS) - {"state", "national", "security", "first", "foreign", "trade"}


def _person_head(words: tuple[str, ...]) -> bool:
    """Two or more name words before "of" (titles aside): "Arup Kumar Deka of Gauhati University" is a
    person from an organisation, where "Bank of Japan" and "Ministry of Defence" are organisations."""
    return sum(not _is_stripped(w) for w in words) >= 2


PLACE_WORDS = lexicon.PLACES - lexicon.NAME_LIKE_PLACES  # one of these makes a capitalised sequence a place


def _has_place_phrase(low: list[str]) -> bool:
    joined = f" {' '.join(low)} "
    return any(f" {p} " in joined for p in lexicon.PLACE_PHRASES)


def _seq_mention(text: str, seq: list, kind: str) -> Mention:
    """The mention that a token sequence spans, a final possessive "'s" left out."""
    end = seq[-1][1] - (2 if _possessive(seq[-1][2]) else 0)
    return Mention(seq[0][0], end, text[seq[0][0]:end], kind)


HONORIFICS = {"mr", "mrs", "ms", "dr", "prof"}
HEAD_TITLES = lexicon.TITLES - lexicon.ORG_NOUNS - {"foreign", "defence", "defense", "deputy", "vice", "prime", "chief",
                                                   "cabinet", "state", "national", "security", "first", "trade",
                                                   "acting", "former", "senior", "junior", "interior", "maritime",
                                                   "fisheries", "economy", "democratic", "republican", "opposition",
                                                   "coast", "rear", "class", "rank", "major", "executive"}
NOT_NAME_PART_RE = re.compile(r"\d|-(based|born|year|old)")


def _name_from_seq(text: str, seq: list) -> tuple[Mention, set[str]] | None:
    parts = _name_parts(tuple(t[2] for t in seq))
    if parts is None:
        return None
    a, b, kind, roles = parts
    return _seq_mention(text, seq[a:b], kind), set(roles)


@functools.lru_cache(maxsize=65536)
def _name_parts(words: tuple[str, ...]) -> tuple[int, int, str, frozenset[str]] | None:
    """Which tokens of a capitalised sequence (its words) make the mention, [a, b), its kind and the
    roles of the titles before it; cached, since articles repeat their names."""
    a, b = 0, len(words)
    while a < b and (words[a].lower() in lexicon.NON_NAME_CAPS or words[a] in CONNECTORS):
        a += 1
    while a < b and words[b - 1] in CONNECTORS:
        b -= 1
    if a == b:
        return None
    seq = words[a:b]
    head = next((k for k, w in enumerate(seq) if w in ("of", "for")), len(seq))
    org = [_bare(w) in lexicon.ORG_NOUNS for w in seq]
    title = max((k for k, w in enumerate(seq) if _bare(w).rstrip(".") in HEAD_TITLES), default=-1)
    titled_person = 0 <= title < len(seq) - 1 and not any(org[title + 1:]) and not any(
        _is_stripped(w) for w in seq[title + 1:])  # "Chief Cabinet Secretary Hiroshi Tanabe", "Kremlin Spokesman Orlov"
    if not titled_person and (any(org[:head]) or (any(org[head:]) and not _person_head(seq[:head]))):
        return a, b, "organisation", frozenset()
    cut = next((k for k, w in enumerate(seq) if w in CONNECTORS or NOT_NAME_PART_RE.search(w)), len(seq))
    seq, b = seq[:cut], a + cut
    if len(seq) == 1 and _possessive(seq[0]) and _bare(seq[0]) in lexicon.PLACES:
        return a, b, "place", frozenset()  # "Japan's" before an org
    last_title = max((k for k, w in enumerate(seq[:-2]) if _bare(w).rstrip(".") in TITLE_WORDS), default=-1)
    k = last_title + 1 if last_title > 0 else 0  # "Fuming Tory MP Graham Pettifer": the name follows the last title
    while k < len(seq) and _is_stripped(seq[k]):
        k += 1
    if k == len(seq) > 1 and _bare(seq[0]).rstrip(".") in HONORIFICS and _bare(seq[-1]) not in lexicon.PLACES:
        k -= 1  # "Mr. King", "Ms. General": after an honorific, the last word is a surname, whatever it means
    roles = frozenset(w for w in (_bare(t).rstrip(".") for t in seq[:k]) if w in lexicon.TITLES or w in lexicon.ROLE_NOUNS)
    if seq and k == len(seq) and all(_bare(w) in lexicon.PLACES for w in seq):  # "Tokyo", "Cuban": find_mentions decides
        return a, b, "place", frozenset()
    seq, a = seq[k:], a + k
    if not seq:
        return None
    low = [_bare(w) for w in seq]
    # (a sequence of place words alone was returned above: its first word is never a place word here)
    if low[0] in lexicon.PLACE_PREFIXES or (len(low) > 1 and (any(w in PLACE_WORDS for w in low)
                                                              or _has_place_phrase(low))):
        kind = "place"  # "Ciudad Bolívar", "Naya Kashmir"
    elif any(w in lexicon.NON_PERSON for w in low):
        return None
    elif len(seq) >= 2:
        kind = "name"
    elif seq[0].isupper() and len(seq[0]) > 1:
        kind = "organisation" if len(seq[0]) <= 6 else "single"  # IOC, NATO, ASEAN
    else:
        kind = "name" if roles else "single"
    return a, b, kind, roles


DOC_HEADS = {"article", "ruling", "report", "study", "editorial", "letter", "memo", "commentary", "communique", "ad",
             "filing", "complaint", "lawsuit", "judgment", "judgement", "tweet", "book", "piece", "clip", "video",
             "email", "speech"} - lexicon.ROLE_NOUNS - lexicon.ORG_NOUNS  # ("report" and "commentary" are heads already)
# documents speak only as the subject of a cue ("said the ruling"), and not after a possessive ("the ministry's
# report": the ministry speaks)
PARTY_MEMBERS = {"Democrat", "Democrats", "Republican", "Republicans"}  # "a New Hampshire Democrat said"
DESC_HEADS = (({r for r in lexicon.ROLE_NOUNS | lexicon.ORG_NOUNS if " " not in r} - lexicon.MEDIA_WORDS) | DOC_HEADS
              | PARTY_MEMBERS)
_HEAD = "(?:" + "|".join(sorted(DESC_HEADS, key=len, reverse=True)) + ")"
_SP = r"[^\S\n]+"  # a space within a line: a mention never runs over a line break
_PRE = r"(?!(?:with|of|to|for|and|or|in|on|at|by|from|said|says|told|who|that|is|was|has|the|a|an)\b)"
DESC_RE = re.compile(
    rf"\b(?:(?:[Tt]he|[Aa]n?|[Oo]ne|[Ii]ts|[Hh]is|[Hh]er|[Tt]heir|[Oo]ur){_SP}|[A-Z][\w-]+(?:'s|’s){_SP})"
    # up to four words before the head: no article among them ("a statement the ministry" is two mentions), and
    # a past form only as the first ("the retired teacher", not "a ministry spokeswoman reminded reporters")
    rf"((?:{_PRE}[\w'’-]+{_SP}(?:{_PRE}(?![\w'’-]*ed\b)[\w'’-]+{_SP}){{0,3}})?)"
    rf"({_HEAD}|\d{{1,3}}-year-old)(?![\w-])"  # "said the 61-year-old"
    # "a spokeswoman for the Spanish foreign ministry", "a captain from Shishi": the NP's own PP
    rf"(?:(?:{_SP}(?:for|of|at|from|with)|(?:(?<=mission)|(?<=ambassador)|(?<=envoy)|(?<=delegation)){_SP}to){_SP}"
    rf"(?:the{_SP}|a{_SP}|an{_SP})?"
    rf"(?!(?:said|says|told)\b)[\w'’-]+(?:{_SP}(?!(?:said|says|told|who|which|that|and|but|in|on)\b)[\w'’-]+){{0,4}})?"
    # "the Moroccan embassy in Oslo", "a fisheries officer in Nyasa district", "an official in India's external
    # affairs ministry"
    rf"(?:{_SP}in{_SP}(?:[A-Z][\w-]*(?:'s|’s)(?:{_SP}[\w-]+){{0,3}}?{_SP}{_HEAD}\b|"
    rf"[A-Z][\w-]+(?:{_SP}[A-Z][\w-]+)?\b(?!['’])(?:{_SP}(?:district|province|region|county|prefecture)\b)?))?")


PRONOUN_RE = re.compile(r"\b(he|she|they|He|She|They|We|we|I|who|it|It)\b")


DESC_VERB_RE = re.compile(r"(?:(?:has|have|had|is|was|were|will|would|could|can|read|reads|just)\b|"
                          r"\w+ed\s+(?:the|a|an|that|to|at|on|in|its|his|her|their)\b|"
                          r"\w+ing\s+(?:the|a|an|his|her|their|its)\b)")  # "a student from Chiba holding a sign"


def _trim_description(text: str, mm: re.Match) -> int:
    """End of a description mention: before a speech verb or another verb that its trailing phrase swallowed
    ("a spokesman for the Eastern Military District boasted", "the office of the leader read the")."""
    for w in lexicon.WORD_RE.finditer(text, mm.end(2), mm.end()):
        if text[max(0, w.start() - 3):w.start()] in ("'s ", "’s "):
            continue  # after a possessive, a noun: "Georgia's state minister"
        if w.group().lower() in lexicon.CUE_SET or DESC_VERB_RE.match(text, w.start()):
            return mm.start() + len(text[mm.start():w.start()].rstrip())
    return mm.end()


REL_STARTS = {"who", "whose", "that", "familiar", "close", "carried", "published", "speaking", "based"}


def _with_relative(text: str, e: int) -> int:
    """A description's own relative clause or participle, when a speech verb follows it with no comma
    between ("a European diplomat who attended the dinner said", "an official familiar with the talks
    said"): the whole is the mention, as the guidelines write such a speaker."""
    words = list(lexicon.WORD_RE.finditer(text, e, min(len(text), e + 120)))
    if not words or words[0].group().lower() not in REL_STARTS or text[e:words[0].start()] != " ":
        return e
    for i, (a, b) in enumerate(zip(words, words[1:])):
        if re.search(r"[^\w\s'’-]|\n", text[a.end():b.start()]):
            return e  # punctuation or a line break before any speech verb
        if b.group().lower() in lexicon.CUE_SET:
            if a.group().lower() in ("and", "or"):  # "who has attended the meetings and asked not to be named said"
                return words[i - 1].end() if i > 1 else e
            return a.end() if b is not words[1] else e
    return e


PLACE_NOUNS = ("province", "market", "district", "region", "county", "village", "town", "city", "camp", "crossing",
               "airport", "hospital", "neighbourhood", "neighborhood", "suburb", "valley", "border", "party")
CAPS = r"[A-Z][\w'’-]*(?:[ \u00a0][A-Z][\w'’-]*)*"
AFTER_IN_RE = re.compile(rf"\b(?:in|near|outside)\s+({CAPS})")
BEFORE_PLACE_NOUN_RE = re.compile(rf"({CAPS})\s+(?:{'|'.join(PLACE_NOUNS)})\b")


def _place_uses(text: str) -> set[str]:
    """The capitalised names that the article uses as places, in one pass over the text: after "in", "near"
    or "outside" (with the words that start the sequence: "in Majdal Shams village") and before a place noun
    (with the words that end it: "Delhi's Nehru Place market")."""
    out = set()
    for m in AFTER_IN_RE.finditer(text):
        words = m.group(1).split()
        if not _possessive(words[-1]):
            out.update(" ".join(words[:k]) for k in range(1, len(words) + 1))
    for m in BEFORE_PLACE_NOUN_RE.finditer(text):
        words = m.group(1).split()
        out.update(" ".join(words[k:]) for k in range(len(words)))
    return out


def find_mentions(text: str, quote_spans: list[tuple[int, int]], cues: lexicon.CueIndex | None = None
                  ) -> tuple[list[Mention], dict[int, set[str]]]:
    """All speaker mentions outside quotes, in text order, and the roles found in each name's title;
    cues: the text's CueIndex where the caller has built it already."""
    inq = InQuotes(quote_spans)
    names = find_names(text, tokens(text), inq)
    uses = _place_uses(text)
    for m, r in names:
        if m.kind in ("name", "single") and not r and m.text in uses:
            m.kind = "place"  # "in Majdal Shams", "Delhi's Nehru Place market"
    known = {_bare(w) for m, _ in names if m.kind == "name" for w in m.text.split()}
    mentions, roles = [], {}
    for m, r in names:
        if m.kind == "place" or m.kind == "single":
            if _bare(m.text) in known and " " not in m.text:  # "Cuban" after "Mark Cuban", "Israel" after "Steve Israel"
                m.kind = "name"
            elif _cue_adjacent(text, m.start, m.end):
                m.kind = "organisation" if m.kind == "place" else "name"  # "Tokyo said", "Hoshino said"
            elif m.kind == "single" and _introduced_name(text, m.start, m.end)[0]:
                m.kind = "name"  # "who gave only his first name, Zaza,"
            else:
                continue
        if m.kind == "name":
            r = r | _roles_before(text, m.start)
        roles[m.start] = r
        mentions.append(m)
    names_sorted = sorted(mentions, key=lambda m: m.start)
    descs, dropped = _descriptions(text, names_sorted, roles, inq)
    mentions = [_with_partitive(text, m) for m in [m for k, m in enumerate(names_sorted) if k not in dropped] + descs]
    name_ends = {m.end for m in names_sorted}
    mentions = [m for m in mentions if not (m.kind == "description" and text[m.start - 2:m.start] == ", "
                                            and m.start - 2 in name_ends)]  # an apposition grown by a partitive
    taken = InQuotes([(m.start, m.end) for m in mentions])
    extra = [m for m in _cue_noun_phrases(text, cues or lexicon.CueIndex(text)) if m.start not in inq
             and m.start not in taken and m.end - 1 not in taken]
    if extra:
        mentions += extra
        taken = InQuotes([(m.start, m.end) for m in mentions])
    for mm in PRONOUN_RE.finditer(text):
        s, e = mm.start(), mm.end()
        if s in inq or s in taken:
            continue
        if mm.group(1).lower() in ("it", "who", "they") and not SUBJ_CUE_RE.match(text, e):
            continue
        mentions.append(Mention(s, e, text[s:e], "pronoun"))
    mentions.sort(key=lambda m: m.start)
    return mentions, roles


_AUX = "has|have|had|also|then|later|would|will"
_NP = (r"\b((?:[Tt]he|[Aa]n?|[Oo]ne|[Aa]nother)(?:[^\S\n]+"
       rf"(?!(?:of|to|for|and|or|in|on|at|by|from|with|that|who|which|{_AUX})\b)[\w'’-]+){{1,4}})")
NP_BEFORE_CUE_RE = re.compile(_NP + rf"[^\S\n]+(?:(?:{_AUX}|\w+ly)[^\S\n]+)?$")
NP_AFTER_CUE_RE = re.compile(r"[^\S\n]+" + _NP + r"(?=[.;:]|,(?![^\S\n]*[A-Z])|[^\S\n]*$)", re.M)  # not "said the
# association's secretary, Juan Pedrosa": the name is the mention
NOT_SPEAKER_HEADS = {"time", "way", "day", "days", "week", "weeks", "month", "months", "year", "years", "moment", "end",
                     "thing", "things", "point", "case", "fact", "idea", "question", "issue", "problem", "same", "other",
                     "others", "first", "last", "latter", "former", "rest", "most", "many", "more", "morning", "evening",
                     "night", "afternoon", "weekend", "past", "future", "next", "following", "words", "word", "line"}


def _cue_noun_phrases(text: str, cues: lexicon.CueIndex) -> list[Mention]:
    """A noun phrase right before a speech verb ("the gambling tycoon told Reuters") or right after one and
    before a stop ("said a 2008 Clinton veteran."), whatever its head noun: the lexicon's heads cannot list
    every kind of speaker."""
    out = []
    for s, e in cues.words:
        b = NP_BEFORE_CUE_RE.search(text, max(0, s - 80), s)
        if b and _speaker_head(b.group(1)):
            out.append(Mention(b.start(1), b.end(1), b.group(1), "description"))
        if text[s:e].lower() in INVERTED_CUES:
            a = NP_AFTER_CUE_RE.match(text, e, min(len(text), e + 80))
            if a and _speaker_head(a.group(1)):
                out.append(Mention(a.start(1), a.end(1), a.group(1), "description"))
    return out


INVERTED_CUES = {"said", "says", "added", "adds", "wrote", "writes", "told", "explained", "asked", "replied", "noted",
                 "argued", "warned", "insisted", "continued", "recalled", "tweeted", "posted", "countered", "declared"}


def _speaker_head(np: str) -> bool:
    head = np.split()[-1]
    return (head.isalpha() and head.islower() and len(head) > 2 and head not in NOT_SPEAKER_HEADS
            and not (head.endswith("s") and not head.endswith(("ss", "us", "is"))))  # a group ("the critics") is seldom one


LOWER_BEFORE_RE = re.compile(r"((?:\b[a-z][a-z-]*[^\S\n]){1,3})$")


def _roles_before(text: str, start: int) -> set[str]:
    """Roles in lower-case words right before a name: "navy captain Željko Brajković", "historian Leonid
    Varlamov" (a capitalised title is part of the name's own sequence)."""
    mm = LOWER_BEFORE_RE.search(text, max(0, start - 40), start)
    if not mm:
        return set()
    words = mm.group(1).split()
    if words[-1] not in lexicon.ROLE_NOUNS:
        return set()
    return {w for w in words if w in lexicon.ROLE_NOUNS or w in lexicon.TITLES}


PRECEDING_CAPS_RE = re.compile(r"([A-Z][\w-]*) (?=(?:[A-Z][\w-]* )*$)")  # capitalised words right before the end


def _descriptions(text: str, names: list[Mention], roles: dict[int, set[str]], inq: InQuotes
                  ) -> tuple[list[Mention], set[int]]:
    """Descriptions ("the foreign minister", "a Japanese diplomat") that stand for a speaker, and the
    indices of the (sorted) names they swallow; a description right before or after a name only adds
    to that name's roles (apposition)."""
    name_ends, name_starts = {m.end for m in names}, {m.start for m in names}
    starts = [m.start for m in names]
    descs, dropped = [], set()
    for mm in DESC_RE.finditer(text):
        s, e = mm.start(), mm.end()
        if s in inq or s - 2 in name_ends and text[s - 2:s] == ", ":
            continue  # an apposition: the name beside it is the mention
        nxt = e + 2 if text[e:e + 2] == ", " else e + 1 if text[e:e + 1] == " " else -1
        if nxt in name_starts:  # "the chief spokesman, Kenji Harada," / "the ministry spokeswoman Olga Serova"
            roles.setdefault(nxt, set()).update(_bare(w) for w in mm.group(0).split()[1:])
            continue
        k = max(0, bisect.bisect_left(starts, s) - 1)
        near = []
        while k < len(names) and names[k].start < e:
            if names[k].end > s:
                near.append(k)
            k += 1
        inside = [k for k in near if s <= names[k].start and names[k].end <= e]
        if len(inside) < len(near):
            continue  # overlaps a name partly: the name is the mention
        head = mm.group(2).lower()
        e = _trim_description(text, mm)
        e = _with_relative(text, e)
        if _possessive(mm.group(0).split()[0]):  # "South Korea's foreign ministry": the whole name owns it
            for w in reversed(PRECEDING_CAPS_RE.findall(text, max(0, s - 40), s)[-3:]):
                if (w.lower() in lexicon.NON_NAME_CAPS and w.lower() not in lexicon.PLACES) or s - len(w) - 1 in inq:
                    break
                s -= len(w) + 1
        if head in DOC_HEADS and (not _cue_adjacent(text, s, e) or any(_possessive(w) for w in mm.group(0).split()[:-1])):
            continue
        dropped.update(inside)
        descs.append(Mention(s, e, text[s:e], "organisation" if head in lexicon.ORG_NOUNS else "description"))
    return descs, dropped


PARTITIVE_RE = re.compile(r"\b(?:[Aa]n?|[Tt]he|[Oo]ne|[Tt]wo|[Tt]hree|[Ss]ome|[Ss]everal)\s+((?:[\w’'-]+\s+){0,2}?)"
                          r"(?:of|for)\s+$")
PARTITIVE_HEADS = lexicon.ROLE_NOUNS | {"member", "members", "branch", "group", "delegation", "team", "unit", ""}


def _with_partitive(text: str, m: Mention) -> Mention:
    """An organisation or a group with the words that pick its speaker out of it: "a member of the
    Chinese delegation", "the Nemuro branch of the residents' association", "a spokesman for the
    ministry" (the whole phrase is the speaker; the inner group is not)."""
    if m.kind not in ("organisation", "description"):
        return m
    before = text[max(0, m.start - 6):m.start]
    if not before[-1:].isspace() or not before.rstrip().endswith(("of", "for")):
        return m  # PARTITIVE_RE needs "of " or "for " right before the mention
    p = PARTITIVE_RE.search(text, max(0, m.start - 40), m.start)
    if not p or (p.group(1).lower().split() or [""])[-1] not in PARTITIVE_HEADS:
        return m
    return Mention(p.start(), m.end, text[p.start():m.end], "description")


KIN = {"uncle": "m", "son": "m", "brother": "m", "father": "m", "husband": "m", "grandfather": "m", "grandson": "m",
       "nephew": "m", "aunt": "f", "daughter": "f", "sister": "f", "mother": "f", "wife": "f", "grandmother": "f",
       "granddaughter": "f", "niece": "f", "cousin": None, "friend": None, "neighbour": None, "neighbor": None}
_GIVEN = r"(his|her|their)\s+(?:(?:first|family|last|given)\s+)?(?:name|surname)"
NAMED_AS_RE = re.compile(  # "who gave only his first name, Zaza,", "asked to be identified only as Lamara"
    rf"(?:\b(?:gave|gives|give|giving)\s+(?:only\s+)?{_GIVEN}(?:\s+only)?(?:\s+as|,)"
    rf"|\b(?:identified|named|known)\s+(?:only\s+)?(?:as|by\s+{_GIVEN},))\s+$")
KIN_BEFORE_RE = re.compile(rf"\b(?:[Mm]y|[Hh]is|[Hh]er|[Oo]ur|[Tt]heir)\s+({'|'.join(KIN)}),?\s+$")  # "my uncle Raymond"
SINGLE_AGE_RE = re.compile(r",\s+\d{1,3}[,.;)]")  # "the fisherman Baharuddin, 47,"
INVERTED_BEFORE_RE = re.compile(r"\b(?:said|says|asked|added|replied|wrote)\s+$")


def _introduced_name(text: str, s: int, e: int) -> tuple[str | None, str | None]:
    """Whether a lone capitalised word is a person's name by how the text introduces it, and how:
    ("named", gender) after "gave only his first name," or "identified only as"; ("kin", gender) after
    "my uncle"; ("age", None) before an age ("Baharuddin, 47,"); ("inverted", None) after "asked" with a
    stop after it. (None, None) otherwise."""
    before = text[max(0, s - 70):s]
    if mm := NAMED_AS_RE.search(before):
        g = mm.group(1) or mm.group(2)
        return "named", {"his": "m", "her": "f"}.get(g)
    if mm := KIN_BEFORE_RE.search(before):
        return "kin", KIN[mm.group(1)]
    if SINGLE_AGE_RE.match(text, e):
        return "age", None
    if INVERTED_BEFORE_RE.search(before) and text[e:e + 1] in (",", "."):
        return "inverted", None
    return None, None


NEXT_WORD_RE = re.compile(r"\s+(?:has\s+|had\s+|have\s+|also\s+|later\s+|then\s+)?(\w+)")
SAID_BEFORE_RE = re.compile(r"(?:according to|said|says)\s+$")


def _cue_adjacent(text: str, s: int, e: int) -> bool:
    """'Tokyo said', 'Hoshino has warned', 'said Hoshino', 'according to Hoshino'."""
    nxt = NEXT_WORD_RE.match(text, e, e + 25)
    return bool(nxt and nxt.group(1).lower() in lexicon.CUE_SET) or bool(SAID_BEFORE_RE.search(text[max(0, s - 25):s]))


# ---------------------------------------------------------------- clustering


def _gender_of_name(words: list[str]) -> tuple[str | None, bool]:
    """(gender, strong) from a full name: known first names and Slavic surname forms are strong
    evidence; first-name endings ('-a', '-ine', '-ko') are weak."""
    first, last = words[0].lower().strip("."), words[-1].lower()
    if first in FEMALE_NAMES_OTHER:
        return "f", True
    if first in MALE_A_NAMES:
        return "m", True
    if last.endswith(("ova", "eva", "ina", "aya", "skaya")) and len(last) > 4:
        return "f", True
    if last.endswith(("ov", "ev", "sky", "skiy", "skyi")):
        return "m", True
    if len(first) > 3 and first.endswith(("ko", "mi")) or first.endswith(("ine", "ette", "elle", "ise", "een")):
        return "f", False
    if len(first) > 2 and first.endswith("a"):
        return "f", False
    return None, False


def cluster(text: str, mentions: list[Mention], roles: dict[int, set[str]]) -> list[Entity]:
    """Assign every mention an entity; returns the entities. Mentions are processed in text order so
    that pronouns and descriptions resolve to what the reader has seen so far."""
    ents: list[Entity] = []
    by_surname: dict[str, Entity] = {}
    by_org: dict[str, Entity] = {}
    recent: list[tuple[int, Entity]] = []  # (position, entity) of persons and organisations, in order
    objects: set[int] = set()  # positions of mentions that are objects ("of Gauhati University", "told Reuters")
    subjects: list[tuple[int, Entity]] = []  # recent without the objects
    last: Mention | None = None
    named: Mention | None = None  # the latest mention that is no pronoun
    for m in mentions:
        if OBJECT_RE.search(text, max(0, m.start - 12), m.start):
            objects.add(m.start)
        if m.kind == "name":
            how, gender = _introduced_name(text, m.start, m.end)
            if how == "named" and named is not None and named.start >= m.start - 250 and ents[named.entity].kind == "description":
                ent = ents[named.entity]  # "a farmer who gave only his first name, Zaza": the farmer is Zaza
                ent.name, ent.kind, ent.confirmed = m.text, "person", True
                for w in m.text.lower().split():
                    by_surname.setdefault(w, ent)
            else:
                ent = _resolve_name(m, ents, by_surname, roles.get(m.start, set()), text)
            if gender and not ent.gender_strong:
                ent.gender, ent.gender_strong = gender, True
        elif m.kind == "organisation":
            key = _org_key(m.text)
            ent = by_org.get(key) or _resolve_org(m, recent)
            if ent is None:
                ent = Entity(len(ents), _strip_article(m.text), "organisation")
                ents.append(ent)
            if len(_org_words(m.text)) > len(_org_words(ent.name)):
                ent.name = _strip_article(m.text) if not m.text[:1].isupper() else m.text
            by_org[key] = ent
        elif m.kind == "pronoun" and m.text == "who" and last is not None and m.start - last.end < 80:
            ent = ents[last.entity]  # "Hoshino, 82, who left Shikotan as a boy"
        elif m.kind == "pronoun":
            ent = _resolve_pronoun(m, subjects) or _resolve_pronoun(m, recent)
            if ent is None:
                ent = Entity(len(ents), m.text, "description")
                ents.append(ent)
        elif (issuer := _issuer(m.text)) is not None:  # "a statement from the Guyana Defence Force",
            # "A Russian Defence Ministry statement": the issuer speaks
            key = _org_key(issuer)
            ent = by_org.get(key) or _resolve_org(Mention(m.start, m.end, "the " + issuer, "organisation"), recent)
            if ent is None:
                ent = Entity(len(ents), _strip_article(issuer), "organisation")
                ents.append(ent)
            by_org[key] = ent
        else:
            ent = _resolve_description(m, recent, org=False)
            if ent is None:  # an unnamed speaker: "a senior official at the ministry"
                ent = Entity(len(ents), m.text, "description", {_bare(w) for w in m.text.split()[1:]})
                ents.append(ent)
        m.entity = ent.id
        last = m
        if m.kind != "pronoun":
            recent.append((m.start, ent))
            if m.start not in objects:
                subjects.append((m.start, ent))
            named = m
            ent.seen[m.start] = (m.start, m.start in objects, bool(SUBJ_CUE_RE.match(text, m.end)))
        _apposition_roles(text, m, ent)
    return ents


DOC_RE = re.compile(r"(?:an?|the)\s+(?:[\w-]+\s+)?(?:statement|report|commentary|communique|letter|release|note|"
                    r"editorial|memo)\s+(?:from|by|of)\s+(.+)$", re.I)
DOC_ISSUER_RE = re.compile(r"(?:an?|the)\s+((?:[\w'’-]+\s+){1,4}?)(?:statement|communique|release|commentary)$", re.I)


def _issuer(text: str) -> str | None:
    """Who issued a document that speaks: "a statement from the Guyana Defence Force" -> "the Guyana Defence
    Force"; the named organisation before the document word: "A Russian Defence Ministry statement" ->
    "Russian Defence Ministry", "the Foreign Office's statement" -> "Foreign Office"; None for "a ministry
    statement" (no name) or "a joint statement"."""
    mm = DOC_RE.match(text)
    if mm:
        return mm.group(1)
    mm = DOC_ISSUER_RE.match(text)
    if not mm:
        return None
    words = mm.group(1).split()
    if _bare(words[-1]) not in lexicon.ORG_NOUNS or not any(w[:1].isupper() for w in words):
        return None
    return re.sub(r"['’]s$", "", mm.group(1).strip())  # "the Foreign Office's statement"


OBJECT_RE = re.compile(r"\b(?:of|to|for|with|by|from|about|in|on|at|told|asked|than)\s+(?:the\s+)?$", re.I)


def _strip_article(s: str) -> str:
    return re.sub(r"^(the|a|an)\s+", "", s, flags=re.I)


@functools.lru_cache(maxsize=8192)
def _org_words(s: str) -> tuple[str, ...]:
    return tuple(_bare(w) for w in _strip_article(s).split() if _bare(w) not in ("of", "for", "in", "on", "the"))


def _org_key(s: str) -> str:
    """'the Russian Foreign Ministry' and 'Russian Foreign Ministry' share a key; 'the British
    delegation' and 'the Mauritian delegation' do not."""
    return " ".join(_org_words(s)) or s.lower()


def _resolve_org(m: Mention, recent: list[tuple[int, Entity]]) -> Entity | None:
    """A definite org description ('the ministry', 'the embassy', 'its foreign ministry') is the
    latest organisation whose name holds all its words; 'a ...' is a new one."""
    words = m.text.lower().split()
    if words[0] in ("a", "an", "one"):
        return None
    want = set(_org_words(m.text)) - {"its", "his", "her", "their", "our"}
    for _, ent in reversed(recent[-60:]):
        if ent.kind == "organisation" and want and want <= set(_org_words(ent.name)):
            return ent
    return None


AGE_RE = re.compile(r",\s+(\d{1,3}),")
AGE_OR_APPOSITION_RE = re.compile(r",\s+(?:\d{2},|(?:a|an|the|who)\b)")  # "Hoshino, 82," "Hoshino, the ..."


def _resolve_name(m: Mention, ents: list[Entity], by_surname: dict, roles: set[str], text: str) -> Entity:
    words = m.text.replace("’s", "").split()
    surname = words[-1].lower()
    ent = by_surname.get(surname)
    full = ent.name.split() if ent is not None else []
    if ent is not None and len(words) > 1 and len(full) > 1 and full[0] != words[0] and full[-len(words):] != words:
        ent = None  # "Aiko Tomioka" after "Masayuki Tomioka": same family, another person ("Idrissi Kettani"
        # after "Salma Idrissi Kettani" is the same person)
    if ent is None and len(words) == 1:  # "Ma" for "Ma Lirong": family name first
        ent = next((e for e in by_surname.values() if e.name.split()[0].lower() == surname), None)
    if ent is None:
        ent = Entity(len(ents), m.text, "person")
        ents.append(ent)
    elif len(words) > len(ent.name.split()):
        ent.name = m.text
    for w in words[1:]:  # "Jiménez" and "Ortega" both find "Manuel Jiménez Ortega"
        by_surname.setdefault(w.lower(), ent)
    by_surname[surname] = ent
    ent.roles |= roles
    age = AGE_RE.match(text, m.end, m.end + 8)
    if age:  # "Hoshino, 82, said": "the 82-year-old" is Hoshino
        ent.roles.add(f"{age.group(1)}-year-old")
    ent.confirmed = ent.confirmed or bool(roles) or _cue_adjacent(text, m.start, m.end) or bool(
        AGE_OR_APPOSITION_RE.match(text, m.end, m.end + 8)) or bool(
        SUBJ_CUE_RE.match(text, m.end)) or bool(AFTER_CUE_RE.search(text[max(0, m.start - 20):m.start]))
    if not ent.gender_strong:
        if roles & lexicon.FEMALE_TITLES:
            ent.gender, ent.gender_strong = "f", True
        elif roles & lexicon.MALE_TITLES:
            ent.gender, ent.gender_strong = "m", True
        elif len(words) > 1 and ent.gender is None:
            ent.gender, ent.gender_strong = _gender_of_name(words)
    return ent


def _resolve_pronoun(m: Mention, recent: list[tuple[int, Entity]]) -> Entity | None:
    p = m.text.lower()
    want = lexicon.PRONOUNS.get(p)
    if want in ("m", "f"):
        window = [e for _, e in reversed(recent[-12:]) if e.kind == "person"]
        passes = ((True, lambda e: e.gender == want and e.gender_strong),
                  (False, lambda e: e.gender == want),  # any sign of the pronoun's gender before none
                  (True, lambda e: e.gender in (want, None) and not (e.gender_strong and e.gender != want)),
                  (False, lambda e: e.gender in (want, None)))
        for confirmed, ok in passes:
            ent = next((e for e in window if ok(e) and (e.confirmed or not confirmed)), None)
            if ent is not None:
                return ent
    for _, ent in reversed(recent[-12:]):
        if want in ("p", "o") and ent.kind in ("organisation",):
            return ent
    if want in ("m", "f"):
        return next((e for _, e in reversed(recent) if e.kind == "person"), None)
    return None


def _resolve_description(m: Mention, recent: list[tuple[int, Entity]], org: bool) -> Entity | None:
    words = m.text.lower().replace("’s", "'s").split()
    if words[0] in ("a", "an"):
        return None
    head = words[-1]
    wanted = ROLE_SYNONYMS.get(head, {head})
    for _, ent in reversed(recent):
        if org != (ent.kind == "organisation"):
            continue
        if ent.roles & wanted or (org and _org_words(ent.name)[-1:] == (head,)):
            return ent
    return None


APPOSITION_RE = re.compile(r",\s+((?:the|a|an|[A-Z]\w+(?:'s|’s))\s+[^,.;:\"“”]{2,100}?)[,.;:)]")


def _apposition_roles(text: str, m: Mention, ent: Entity) -> None:
    """'Volkova, the deputy minister,' and 'the deputy minister, Irina Volkova,' add roles."""
    after = APPOSITION_RE.match(text[m.end:m.end + 120])
    if after and ent.kind == "person":
        ent.roles |= {_bare(w) for w in after.group(1).split()}
        low = after.group(1).lower().split()
        if not ent.gender_strong and set(low) & lexicon.FEMALE_TITLES:
            ent.gender, ent.gender_strong = "f", True
        elif not ent.gender_strong and set(low) & lexicon.MALE_TITLES:
            ent.gender, ent.gender_strong = "m", True


# ---------------------------------------------------------------- attribution

CAND_FEATURES = ("bias", "after", "log_gap_words", "same_para", "cue_adjacent", "cue_in_gap", "gap_has_quote",
                 "is_name", "is_pronoun", "is_description", "is_org", "colon_pattern", "according_to",
                 "object_of_told", "gap_sentence_break", "carry_over", "gap_le3", "first_after", "last_before",
                 "in_prev_para", "subject_position", "possessive", "subject_of_cue", "after_cue",
                 "subject_cue_before_quote", "mention_in_sentence", "pronoun_resolved_name", "sentence_subject_mid",
                 "embedded_subject")


@dataclass
class Candidate:
    mention: Mention
    feats: list[float]
    cue: tuple[int, int] | None


def mention_features(text: str, m: Mention, cues: lexicon.CueIndex) -> tuple:
    """What candidate_features needs of a mention that does not depend on the quote (computed once per
    mention: one mention is a candidate for several quotes)."""
    ws = max(0, m.start - 30)
    low_before = text[ws:m.start].lower()
    ts = _title_start(text, m.start)  # where the titles before a name start: "labeled Mr. Trump"
    near_cue = cues.first(max(0, m.start - 25), m.start) or cues.first(m.end, min(len(text), m.end + 30))
    # SAID_END_RE and AFTER_CUE_RE match only around a cue of the window (or a word that its start cuts)
    cue_before = cues.odd or cues.touches(ws, m.start) or (ws > 0 and _word_char(text[ws - 1]) and _word_char(text[ws]))
    return (near_cue, float(_cue_adjacent(text, m.start, m.end) or (cue_before and bool(SAID_END_RE.search(low_before)))),
            float("according to" in low_before[-20:]),
            float(bool(OBJECT_END_RE.search(text[max(0, ts - 30):ts].lower()))),
            float(_is_sentence_start(text, ts) or text[max(0, ts - 2):ts].strip() in (",", "")),
            float(text[m.end:m.end + 2] in ("'s", "’s")), bool(SUBJ_CUE_RE.match(text, m.end)),
            float(cue_before and bool(AFTER_CUE_RE.search(low_before))),
            # "said (that) Trump is ...": the subject of what somebody said, not a speaker
            float(cue_before and _ends_with_cue(low_before) and bool(VERB_NEXT_RE.match(text, m.end))))


TITLE_BEFORE_RE = re.compile(r"\b([A-Z][a-z]*\.?)[^\S\n]+$")


def _title_start(text: str, start: int) -> int:
    """Where the titles before a name start ("On Sunday, Pastor Bradley Cranston": at "Pastor"), else start."""
    while (mm := TITLE_BEFORE_RE.search(text, max(0, start - 20), start)) and mm.group(1).lower() in lexicon.TITLES:
        start = mm.start()
    return start


def _word_char(c: str) -> bool:
    """What the regex \\w matches."""
    return c.isalnum() or c == "_"


def candidate_features(text: str, q: tuple[int, int, int, int], m: Mention, is_first_after: bool,
                       is_last_before: bool, carry: bool, para_of, cues: lexicon.CueIndex, memo: dict,
                       resolved_name: bool = False, prev_end: int | None = None) -> Candidate:
    """q: (content start, content end, paragraph start, paragraph end); cues: the text's CueIndex;
    memo: mention start -> (mention_features, the mention's paragraph), shared by the quotes of one article;
    prev_end: the end of the article's mention before m (-1: none; None: not known)."""
    qs, qe, ps, pe = q
    after = m.start >= qe
    gs, ge = (qe, m.start) if after else (m.end, qs)
    gap = text[gs:ge] if ge > gs else ""
    words = len(gap.split())
    mf = memo.get(m.start)
    if mf is None:
        mf = memo[m.start] = mention_features(text, m, cues) + (para_of(m.start),)
    near_cue, cue_adjacent, according_to, object_of, sentence_start, possessive, subj, after_cue, embedded, m_para = mf
    gap_cue = cues.first(gs, ge)
    cue = None if carry else gap_cue or near_cue
    brk = bool(GAP_BREAK_RE.search(gap))  # a sentence ends between the quote and the mention
    f = [
        1.0,
        float(after),
        math.log1p(words),
        float(m_para == ps),
        cue_adjacent,
        float(gap_cue is not None),
        float(bool(MARK_RE.search(gap)) and words > 3),
        float(m.kind == "name"),
        float(m.kind == "pronoun"),
        float(m.kind == "description"),
        float(m.kind == "organisation"),
        float(not after and gap.rstrip().endswith(":") or bool(COLON_END_RE.search(gap))),
        according_to,
        object_of,
        float(brk),
        float(carry),
        float(words <= 3),
        float(is_first_after),
        float(is_last_before),
        float(m_para < ps),
        sentence_start,
        possessive,
        float(subj),
        after_cue,
        float(subj and not after and not brk),
        float(not brk and words <= 40),
        float(m.kind == "pronoun" and resolved_name),
        # a quote that opens inside a sentence ("Gingrich dismissed Estonia as being in the 'suburbs'"): the
        # sentence's subject speaks, not the nearer object
        float(not after and not brk and prev_end is not None and _opens_mid_sentence(text, qs)
              and (prev_end < 0 or bool(SENTENCE_OR_LINE_RE.search(text, prev_end, m.start)))),
        embedded,
    ]
    return Candidate(m, f, cue)


def _opens_mid_sentence(text: str, qs: int) -> bool:
    """The quote's opening mark follows a word or a comma, not a sentence end, a colon or a paragraph start."""
    c = text[max(0, qs - 8):qs].rstrip(" \t\"“‘'«„`")[-1:]
    return c.isalnum() or c == ","


SUBJ_CUE_RE = re.compile(r"(?:,[^,\n]{2,60},|\s+(?:of|from|at)\s+[^,.;\n]{2,50}?)?,?\s+"
                         r"(?:\w+ly\s+|has\s+|had\s+|have\s+|also\s+|then\s+|later\s+|would\s+|will\s+)?(?:"
                         + "|".join(sorted(set(lexicon.CUE_VERBS), key=len, reverse=True)) + r")\b", re.I)
AFTER_CUE_RE = re.compile(r"\b(?:" + "|".join(sorted(set(lexicon.CUE_VERBS), key=len, reverse=True))
                          + r"|according to)\s+(?:[\w-]+\s+){0,2}$")  # "said mum-of-three Sandrine Bertin"


def _ends_with_cue(low: str) -> bool:
    """Whether lower-cased text ends with a speech verb and a space, or with one and "that " (one short regex
    and a set lookup: an alternation of every cue verb tried at each position costs far more)."""
    m = LAST_WORD_RE.search(low)
    return bool(m) and m.group(1) in lexicon.CUE_SET


LAST_WORD_RE = re.compile(r"\b(\w+)\s+(?:that\s+)?$")


VERB_NEXT_RE = re.compile(r"\s+(?:\w+ly\s+)?(?:is|was|were|are|has|had|have|would|will|could|can|should|did|does|do|"
                          r"might|must|may|\w+ed)\b")
GAP_BREAK_RE = re.compile(rf"{lexicon.SENTENCE_STOP}[\"”’']?\s")
SENTENCE_OR_LINE_RE = re.compile(rf"{lexicon.SENTENCE_STOP}[\"”’']?\s|\n")
SAID_END_RE = re.compile(r"\b(said|says|told|added)\s+$")
MARK_RE = re.compile(r"[\"“”«»„]")
COLON_END_RE = re.compile(r":\s*[\"“«„‘']?$")
OBJECT_END_RE = re.compile(r"\b(told|tell|tells|asked|to|with|by|for|of|from|about|against|in|"
                           r"called|calls|labeled|labelled|described|describes|dubbed|branded|accused|accuses|"
                           r"mocked|praised|urged|thanked|blamed)\s+$")  # "labeled Mr. Trump 'unfit'": an object


class SpeakerRanker:
    """Linear scores over candidate mentions; the best one is the quote's speaker mention."""

    def __init__(self, coef: list[float] | None = None, meta: dict | None = None,
                 resolver_coef: list[float] | None = None):
        self.coef = coef or default_ranker_coef()
        self.resolver_coef = resolver_coef or default_resolver_coef()
        self.meta = meta or {}

    def score(self, feats: list[float]) -> float:
        return sum(map(operator.mul, self.coef, feats))

    def resolve_score(self, feats: list[float]) -> float:
        return sum(map(operator.mul, self.resolver_coef, feats))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"features": CAND_FEATURES, "coef": self.coef, "resolver_features": ANTE_FEATURES,
                                    "resolver_coef": self.resolver_coef, **self.meta}, indent=1))

    @classmethod
    def load(cls, path: Path) -> SpeakerRanker:
        d = json.loads(Path(path).read_text())
        if tuple(d["features"]) != CAND_FEATURES or tuple(d.get("resolver_features", ())) != ANTE_FEATURES:
            raise ValueError(f"{path}: speaker ranker was trained with other features; run train.py again")
        keys = ("features", "coef", "resolver_features", "resolver_coef")
        return cls(d["coef"], {k: v for k, v in d.items() if k not in keys}, d["resolver_coef"])


def default_ranker_coef() -> list[float]:
    w = dict.fromkeys(CAND_FEATURES, 0.0)
    w.update(bias=-2.0, after=0.5, log_gap_words=-1.0, same_para=1.0, cue_adjacent=2.0, cue_in_gap=1.0,
             gap_has_quote=-2.0, is_name=0.5, is_pronoun=0.3, colon_pattern=1.5, according_to=2.0,
             object_of_told=-2.5, gap_sentence_break=-1.5, carry_over=-0.5, gap_le3=1.0, first_after=0.8,
             last_before=0.5, in_prev_para=-0.5, subject_position=0.5, possessive=-1.0)
    return [w[f] for f in CAND_FEATURES]


class Paragraphs:
    """Paragraph bounds by bisection: `para_of(pos)` is the start of the paragraph holding pos, and
    `para_of.end(pos)` the first newline at or after pos (the text's end where there is none)."""

    def __init__(self, text: str):
        runs = list(re.finditer(r"\n+", text))
        self.starts = [0] + [m.end() for m in runs]
        self.breaks = [m.start() for m in runs] + [len(text)]

    def __call__(self, pos: int) -> int:
        return self.starts[bisect.bisect_right(self.starts, pos) - 1]

    def end(self, pos: int) -> int:
        return max(pos, self.breaks[bisect.bisect_right(self.starts, pos) - 1])


MAX_BEFORE, MAX_AFTER = 4, 3  # nearest candidates kept each side; in train and dev the gold mention is at most
# the 3rd before or the 2nd after the quote


def candidates_for(text: str, q: tuple[int, int, int, int], mentions: list[Mention], starts: list[int],
                   prev: Mention | None, para_of, ents: list[Entity], cues: lexicon.CueIndex,
                   memo: dict) -> list[Candidate]:
    """Mentions within reach of a quote (the sentence before it, to the sentence after it) plus the
    previous quote's speaker mention (carry-over)."""
    qs, qe, ps, pe = q
    lo = max(0, qs - 300)
    hi = min(len(text), qe + 250)
    i = bisect.bisect_left(starts, lo)
    near, prev_para = [], para_of(max(0, ps - 1))
    prev_end = {}  # mention start -> end of the mention before it (-1: none)
    while i < len(mentions) and mentions[i].start < hi:
        m = mentions[i]
        if not (qs <= m.start < qe) and (m.start >= ps or para_of(m.start) == prev_para):
            near.append(m)
            prev_end[m.start] = mentions[i - 1].end if i else -1
        i += 1
    near = [m for m in near if m.start < pe or m.start < qs]
    after = [m for m in near if m.start >= qe][:MAX_AFTER]
    before = [m for m in near if m.end <= qs][-MAX_BEFORE:]
    near = before + after
    cands = [candidate_features(text, q, m, m is (after[0] if after else None), m is (before[-1] if before else None),
                                False, para_of, cues, memo, ents[m.entity].kind == "person", prev_end[m.start])
             for m in near]
    if prev is not None and all(prev.start != m.start for m in near):
        cands.append(candidate_features(text, q, prev, False, False, True, para_of, cues, memo,
                                        ents[prev.entity].kind == "person"))
    return cands


# ---------------------------------------------------------------- antecedents of "he", "the minister"

ANTE_FEATURES = ("bias", "rank0", "rank1", "rank2", "rank3plus", "log_dist", "g_strong_match", "g_weak_match",
                 "g_unknown", "g_weak_mismatch", "g_strong_mismatch", "confirmed", "last_speaker",
                 "second_last_speaker", "last_is_object", "last_is_cue_subject", "same_para", "log_count",
                 "role_match", "is_person", "is_org", "is_description", "rule_choice", "pronoun_plural", "first_person")


def _resolvable(m: Mention) -> bool:
    low = m.text.lower()
    return (m.kind == "pronoun" and low in ("he", "she", "they", "it", "we")) or (
        m.kind == "description" and low.split()[0] in ("the", "its", "his", "her", "their"))


class MentionTable(list):
    """What antecedent_candidates reads of each clustered mention: (entity id, pronoun?, organisation?, the
    entity's `seen` entry for it); `first`, the entity id of the article's first person (-1: none), and
    `first_at`, the positions of its mentions other than pronouns."""
    first: int = -1
    first_at: list[int]


def mention_table(mentions: list[Mention], ents: list[Entity]) -> MentionTable:
    """The article's MentionTable, built once per article."""
    table = MentionTable((x.entity, x.kind == "pronoun", ents[x.entity].kind == "organisation",
                          ents[x.entity].seen.get(x.start)) for x in mentions)
    table.first = next((x.entity for x in mentions if ents[x.entity].kind == "person"), -1)
    table.first_at = [x.start for x in mentions if x.entity == table.first and x.kind != "pronoun"]
    return table


def antecedent_candidates(text: str, m: Mention, ents: list[Entity], speakers_so_far: list[int], para_of,
                          starts: list[int], table: MentionTable) -> list[tuple[Entity, list[float]]]:
    """Entities mentioned in the 3,000 characters before m (the eight latest), and the article's first person
    wherever it was, with the features of each as m's antecedent.
    speakers_so_far: the entity ids of the quotes' speakers so far, a repeat of the last one not added;
    starts and table: the mentions' starts and mention_table(mentions, ents), built once per article."""
    low = m.text.lower()
    want = lexicon.PRONOUNS.get(low)
    head = low.split()[-1]
    wanted = ROLE_SYNONYMS.get(head, {head})
    last_seen: dict[int, tuple] = {}
    counts: dict[int, int] = {}
    person = want in ("m", "f")
    first = table.first
    for k in range(bisect.bisect_left(starts, m.start - 3000), bisect.bisect_left(starts, m.start)):
        eid, pronoun, org, seen = table[k]
        if pronoun or (person and org):  # "she" is never a ministry
            continue
        last_seen[eid] = seen
        counts[eid] = counts.get(eid, 0) + 1
    lasts = sorted(((last_seen[i], ents[i], counts[i]) for i in last_seen), key=lambda t: -t[0][0])
    last_spk = speakers_so_far[-1] if speakers_so_far else -1
    prev_spk = speakers_so_far[-2] if len(speakers_so_far) > 1 else -1
    out = []
    top = lasts[:8]
    at = bisect.bisect_left(table.first_at, m.start)  # the first person's mentions before m
    if at and first not in {e.id for _, e, _ in top}:
        top.append((ents[first].seen[table.first_at[at - 1]], ents[first], 1))
    for rank, ((pos, obj, subj), e, count) in enumerate(top):
        g = [0.0] * 5
        if want in ("m", "f"):
            if e.gender is None:
                g[2] = 1.0
            elif e.gender == want:
                g[0 if e.gender_strong else 1] = 1.0
            else:
                g[4 if e.gender_strong else 3] = 1.0
        f = [1.0, float(rank == 0), float(rank == 1), float(rank == 2), float(rank >= 3),
             math.log1p((m.start - pos) / 100), *g, float(e.confirmed), float(e.id == last_spk),
             float(e.id == prev_spk), float(obj), float(subj), float(para_of(pos) == para_of(m.start)),
             math.log1p(count), float(bool(e.roles & wanted) or _org_words(e.name)[-1:] == (head,)),
             float(e.kind == "person"), float(e.kind == "organisation"), float(e.kind == "description"),
             float(e.id == m.entity), float(want in ("p", "o")), float(e.id == first)]
        out.append((e, f))
    return out


def _learn_gender(ent: Entity, m: Mention) -> None:
    """A person that "he" or "she" refers to (as the speaker of a quote) has that gender from then on,
    where nothing stronger said otherwise: in a dialogue, the next "she said" then skips him."""
    g = lexicon.PRONOUNS.get(m.text.lower())
    if g in ("m", "f") and ent.kind == "person" and ent.gender is None:
        ent.gender = g


def default_resolver_coef() -> list[float]:
    w = dict.fromkeys(ANTE_FEATURES, 0.0)
    w.update(rule_choice=3.0, g_weak_mismatch=-3.5, g_strong_mismatch=-4.0)  # untrained: the rule-based
    # clustering decides, unless the pronoun's gender says otherwise
    return [w[f] for f in ANTE_FEATURES]


@dataclass
class Attribution:
    speaker: str | None
    mention: tuple[int, int] | None
    cue: tuple[int, int] | None
    confidence: float


STOP = {"the", "a", "an", "of", "to", "in", "and", "is", "are", "was", "be", "it", "this", "that", "not", "we", "our",
        "for", "on", "at", "by", "with", "as", "has", "have", "will", "no", "i", "you", "they"}


def _headline_source(words: str, quotes: list, out: list, normed: list[str]) -> Attribution | None:
    body = [(a, set(w.split()) - STOP) for (_, _, k), a, w in zip(quotes, out, normed)
            if k != "headline" and a is not None and a.speaker]
    if not body:
        return None
    head = set(words.split()) - STOP
    best = max(body, key=lambda b: len(head & b[1]))
    if len(head & best[1]) >= 2:
        return best[0]
    return next((a for a, _ in body if a.speaker[:1].isupper()), body[0][0])


def _repeated_below(words: str, body: list[str]) -> bool:
    """Whether a quote of the article's header (its normalised words) is repeated word for word by a quote
    of the body: then it is the body speaker's, whatever the header line around it says ("Army blames
    gang; Georgetown calls attack 'an assault on our sovereignty'")."""
    return len(words.split()) >= 2 and any(words in b for b in body)


def _norm_words(s: str) -> str:
    return " ".join(re.findall(r"\w+", s.lower()))


def attribute(text: str, quotes: list[tuple[int, int, str]], ranker: SpeakerRanker | None = None,
              cues: lexicon.CueIndex | None = None) -> list[Attribution]:
    """Speaker, speaker mention, cue and confidence for each quote (content start, end, kind), in order;
    cues: the text's CueIndex where the caller has built it already."""
    ranker = ranker or SpeakerRanker()
    spans = [(s, e) for s, e, _ in quotes]
    cues = cues or lexicon.CueIndex(text)
    mentions, roles = find_mentions(text, spans, cues)
    ents = cluster(text, mentions, roles)
    starts = [m.start for m in mentions]
    para_of = Paragraphs(text)
    out, prev, spoken, memo, table = [], None, [], {}, None
    head_end = header_end(text)
    normed = [_norm_words(text[s:e]) for s, e, _ in quotes]
    body = [w for (s, _, _), w in zip(quotes, normed) if s >= head_end] if head_end else []
    for (s, e, kind), words in zip(quotes, normed):
        if kind == "headline" or (s < head_end and _repeated_below(words, body)):
            out.append(None)  # settled with the headlines, below
            continue
        cands = candidates_for(text, (s, e, para_of(s), para_of.end(e)), mentions, starts, prev, para_of, ents, cues,
                               memo)
        if not cands:
            out.append(Attribution(None, None, None, 0.0))
            continue
        scores = [ranker.score(c.feats) for c in cands]
        best = max(range(len(cands)), key=scores.__getitem__)
        z = max(scores)
        conf = math.exp(0.0) / sum(math.exp(x - z) for x in scores)
        conf *= 1.0 / (1.0 + math.exp(-z))
        c = cands[best]
        ent = ents[c.mention.entity]
        if _resolvable(c.mention) and not (c.mention.kind == "description" and ent.kind != "description"):
            # a description that clustering matched by role ("the spokeswoman" -> "X, a spokeswoman for ...")
            # keeps that entity; pronouns and unmatched descriptions go to the learned resolver
            table = table or mention_table(mentions, ents)
            ante = antecedent_candidates(text, c.mention, ents, spoken, para_of, starts, table)
            if ante:
                ent = max(ante, key=lambda t: ranker.resolve_score(t[1]))[0]
                _learn_gender(ent, c.mention)
        prev = c.mention
        if not spoken or spoken[-1] != ent.id:
            spoken.append(ent.id)
        out.append(Attribution(ent.name, (c.mention.start, c.mention.end), c.cue, round(conf, 4)))
    # headline quotes: the speaker of a body quote that repeats the headline's words
    for i in [i for i, a in enumerate(out) if a is None]:
        words = normed[i]
        src = next((a for (_, _, k2), a, w2 in zip(quotes, out, normed)
                    if k2 != "headline" and a is not None and a.speaker and words and words in w2), None)
        if src is None:  # else the body quote sharing most words with it, else the first named speaker
            src = _headline_source(words, quotes, out, normed)
        out[i] = Attribution(src.speaker if src else None, None, None, round(0.5 * src.confidence, 4) if src else 0.0)
    return out


def ranker_examples(docs: list[dict]) -> tuple[list[list[float]], list[int], list[int]]:
    """Candidate features, labels (1: overlaps the gold speaker mention) and group ids, over the gold
    quotes of docs ({"text", "quotes": [{"start", "end", "kind", "speaker_mention"}]})."""
    X, y, groups = [], [], []
    for doc in docs:
        text = doc["text"]
        quotes = sorted(doc["quotes"], key=lambda q: q["start"])
        cues = lexicon.CueIndex(text)
        mentions, roles = find_mentions(text, [(q["start"], q["end"]) for q in quotes], cues)
        ents = cluster(text, mentions, roles)
        starts, para_of, prev, memo = [m.start for m in mentions], Paragraphs(text), None, {}
        for q in quotes:
            gold = q.get("speaker_mention")
            if q.get("kind") == "headline" or not gold:
                continue
            s, e = q["start"], q["end"]
            cands = candidates_for(text, (s, e, para_of(s), para_of.end(e)), mentions, starts, prev, para_of, ents,
                                   cues, memo)
            labels = [int(min(c.mention.end, gold["end"]) > max(c.mention.start, gold["start"])) for c in cands]
            if any(labels):
                gid = groups[-1] + 1 if groups else 0
                X += [c.feats for c in cands]
                y += labels
                groups += [gid] * len(cands)
                prev = cands[labels.index(1)].mention
    return X, y, groups


def resolver_examples(docs: list[dict]) -> tuple[list[list[float]], list[int], list[int]]:
    """Antecedent features, labels (1: the entity is the gold speaker) and groups (one per quote) for
    every gold quote whose speaker mention is a pronoun or a definite description."""
    from model.evaluation import same_speaker

    X, y, groups = [], [], []
    for doc in docs:
        text = doc["text"]
        quotes = sorted(doc["quotes"], key=lambda q: q["start"])
        mentions, roles = find_mentions(text, [(q["start"], q["end"]) for q in quotes])
        ents = cluster(text, mentions, roles)
        by_start = {m.start: m for m in mentions}
        para_of, spoken, starts, table = Paragraphs(text), [], [x.start for x in mentions], mention_table(mentions, ents)
        for q in quotes:
            gm = q.get("speaker_mention")
            match = next((e for e in ents if q.get("speaker") and same_speaker(e.name, q["speaker"])), None)
            m = by_start.get(gm["start"]) if gm else None
            if m is not None and _resolvable(m) and match is not None:
                cands = antecedent_candidates(text, m, ents, spoken, para_of, starts, table)
                labels = [int(e.id == match.id) for e, _ in cands]
                _learn_gender(match, m)
                if any(labels):
                    groups += [groups[-1] + 1 if groups else 0] * len(cands)
                    X += [f for _, f in cands]
                    y += labels
            if match is not None and q.get("kind") != "headline" and (not spoken or spoken[-1] != match.id):
                spoken.append(match.id)
    return X, y, groups


def fit_listwise(X: list[list[float]], y: list[int], groups: list[int], l2: float = 0.1) -> list[float]:
    """Weights of a linear scorer trained as a conditional logit: within each group (the candidates of
    one quote) a softmax over scores, maximising the probability of the gold candidates, with an L2
    penalty. Ranking the candidates against each other beat independent yes/no decisions on both the
    corpus dev split and PolNeAR dev."""
    import numpy as np
    from scipy.optimize import minimize

    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    idx = np.unique(np.asarray(groups), return_inverse=True)[1]
    n = int(idx.max()) + 1

    def loss(w):
        s = X @ w
        top = np.full(n, -np.inf)
        np.maximum.at(top, idx, s)
        e = np.exp(s - top[idx])
        p = e / np.bincount(idx, e, n)[idx]
        gold = np.bincount(idx, p * y, n)
        q = p * y / gold[idx]
        return -np.log(gold + 1e-12).sum() + l2 * w @ w, X.T @ (p - q) + 2 * l2 * w

    return [float(v) for v in minimize(loss, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B").x]


def train_speaker_ranker(docs: list[dict], l2: float = 0.1) -> SpeakerRanker:
    """Fit the mention ranker and the antecedent resolver (listwise, see fit_listwise) on gold-annotated
    articles."""
    X, y, groups = ranker_examples(docs)
    if not X or len(set(y)) < 2:
        raise ValueError("no speaker-mention examples to train the ranker on")
    RX, Ry, Rg = resolver_examples(docs)
    resolver = fit_listwise(RX, Ry, Rg, l2) if len(set(Ry)) == 2 else None
    return SpeakerRanker(fit_listwise(X, y, groups, l2), {"n_candidates": len(X), "n_quotes": sum(y),
                                                          "n_resolver_examples": sum(Ry)}, resolver)
