"""The annotated corpus: parse the tagged source files, build the JSONL splits, validate them.

Writers never count offsets by hand. They write `data/source/*.txt` (format in data/GUIDELINES.md),
with inline tags around quote content (<q1>..</q1>), speaker mentions (<m1>..</m1>), cues
(<c1>..</c1>) and marked non-quotes (<n:scare>..</n>); `build` strips the tags and derives every
offset, `validate` checks the result.

    python -m model.corpus check data/source/kurils-a.txt   # one source file, while writing
    python -m model.corpus build                            # sources -> data/corpus/{train,dev,test}.jsonl
    python -m model.corpus validate                         # checks the splits, prints counts
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from model.types import FLIP, KINDS, LABELS, NOT_QUOTE_WHY

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SPLITS = ("train", "dev", "test")
TEST_ONLY_DISPUTES = ("tunbs", "halaib")  # held out of training: stance on unseen disputes
# added after the dev and test splits were fixed: training only, so that dev and test stay comparable
TRAIN_ONLY_DISPUTES = ("ceuta-melilla", "mayotte", "golan", "sabah", "aksai-chin", "abyei", "belize", "shebaa",
                       "northern-cyprus", "abkhazia", "transnistria", "kalapani", "tromelin", "preah-vihear",
                       "glorioso", "migingo", "lake-malawi", "ilemi", "imia", "olivenza", "navassa", "sir-creek",
                       "pedra-branca", "ambalat", "doklam", "minerva", "bakassi", "piran")
QUOTE_MARKS = set("\"'“”‘’«»„‟‹›‚")
TAG = re.compile(r"<(/?)(q\d+|m\d+|c\d+|n(?::(\w+))?)>")


class SourceError(ValueError):
    pass


def load_disputes(path: Path = DATA / "disputes.json") -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


_DISPUTE_INDEX: list = []  # [(disputes, pattern, names)] for the disputes dict last asked about


def _dispute_index(disputes: dict) -> tuple[re.Pattern, dict[str, set[str]]]:
    """One case-blind pattern for every territory name and party of every dispute, and which disputes each
    (lower-cased) territory name belongs to; built again only when another disputes dict comes."""
    if _DISPUTE_INDEX and _DISPUTE_INDEX[0][0] is disputes:
        return _DISPUTE_INDEX[0][1:]
    names: dict[str, set[str]] = collections.defaultdict(set)
    for k, d in disputes.items():
        for n in [*d.get("territory_names", []), *re.split(r"[/()]", d.get("name", ""))]:
            if n.strip() and not n.lower().startswith("the "):  # not "the island"
                names[n.strip().lower()].add(k)
    parties = {p.lower() for d in disputes.values() for p in d.get("parties", [])}
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted({*names, *parties}, key=len, reverse=True))
                         + r")\b", re.I)
    _DISPUTE_INDEX[:] = [(disputes, pattern, names)]
    return pattern, names


def detect_dispute(text: str, disputes: dict) -> str | None:
    """The dispute an article is about: the one whose territory names it uses most, a tenth of a point for
    each time the party named least often is named (so that an article about "the islands" between Japan
    and Russia still finds the Kurils); None when no dispute scores. On the corpus's 380 articles it
    finds the annotated dispute for 369, none for 6 and another for 5."""
    pattern, names = _dispute_index(disputes)
    seen = collections.Counter(m.group().lower() for m in pattern.finditer(text))
    best, top = None, 0.0
    for k, d in disputes.items():
        score = sum(c for w, c in seen.items() if k in names.get(w, ()))
        score += 0.1 * min((seen[p.lower()] for p in d.get("parties", [])), default=0)
        if score > top:
            best, top = k, score
    return best


# ---------------------------------------------------------------- source format


@dataclass
class SourceArticle:
    id: str
    meta: dict
    tagged: str
    rows: list[list[str]]
    line: int  # line of the '===' header in the source file
    quotes: list[dict] = field(default_factory=list)
    not_quotes: list[dict] = field(default_factory=list)
    text: str = ""


def strip_tags(tagged: str) -> tuple[str, dict[str, tuple[int, int]], list[dict]]:
    """Remove the inline tags; return the plain text, the span of each q/m/c id, and the not-quotes."""
    out, spans, nq, stack, pos, last = [], {}, [], [], 0, 0
    for m in TAG.finditer(tagged):
        out.append(tagged[last:m.start()])
        pos += m.start() - last
        last = m.end()
        closing, name, why = m.group(1) == "/", m.group(2), m.group(3)
        key = "n" if name.startswith("n") else name
        if not closing:
            if key != "n" and (key in spans or any(k == key for k, _, _ in stack)):
                raise SourceError(f"tag <{name}> opened twice")
            if key == "n" and why not in NOT_QUOTE_WHY:
                raise SourceError(f"<{name}>: say why, one of <n:{'>, <n:'.join(NOT_QUOTE_WHY)}>")
            stack.append((key, pos, why))
            continue
        if not stack or stack[-1][0] != key:
            raise SourceError(f"</{name}> closes nothing open (open: {[k for k, _, _ in stack]})")
        _, start, why = stack.pop()
        if key == "n":
            nq.append({"start": start, "end": pos, "why": why})
        else:
            spans[key] = (start, pos)
    out.append(tagged[last:])
    if stack:
        raise SourceError(f"tags never closed: {[k for k, _, _ in stack]}")
    return "".join(out), spans, nq


def _field(value: str) -> str | None:
    value = value.strip()
    return None if value in ("", "-") else value


def parse_article(art: SourceArticle) -> SourceArticle:
    """Fill art.text, art.quotes and art.not_quotes from the tagged text and the quote rows."""
    art.text, spans, art.not_quotes = strip_tags(art.tagged)
    used = set()
    for row in art.rows:
        if len(row) != 6:
            raise SourceError(f"quote row needs 6 fields (qid | speaker | mention | cue | kind | stance): {row}")
        qid, speaker, mention, cue, kind, stance = (c.strip() for c in row)
        if qid not in spans:
            raise SourceError(f"{qid} has a row but no <{qid}> tag in the text")
        if kind not in KINDS:
            raise SourceError(f"{qid}: kind {kind!r} not in {KINDS}")
        if stance not in LABELS:
            raise SourceError(f"{qid}: stance {stance!r} not in {LABELS}")
        q = {"qid": qid, "start": spans[qid][0], "end": spans[qid][1], "speaker": _field(speaker),
             "speaker_mention": None, "cue": None, "kind": kind, "stance": stance}
        for key, ref in (("speaker_mention", _field(mention)), ("cue", _field(cue))):
            if ref is None:
                continue
            if ref not in spans:
                raise SourceError(f"{qid}: {key} refers to {ref}, which has no <{ref}> tag")
            q[key] = {"start": spans[ref][0], "end": spans[ref][1]}
            used.add(ref)
        used.add(qid)
        art.quotes.append(q)
    untagged = sorted(set(spans) - used)
    if untagged:
        raise SourceError(f"tags with no quote row referring to them: {untagged}")
    art.quotes.sort(key=lambda q: q["start"])
    art.not_quotes.sort(key=lambda n: n["start"])
    return art


def read_source(path: Path) -> list[SourceArticle]:
    """Split a source file into articles (without parsing their tags)."""
    arts, cur, section = [], None, None
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("=== "):
            cur = SourceArticle(id=line[4:].strip(), meta={}, tagged="", rows=[], line=n)
            arts.append(cur)
            section = "meta"
        elif cur is None:
            if line.strip():
                raise SourceError(f"{path}:{n}: text before the first '=== id' line")
        elif line.strip() in ("--- text", "--- quotes", "--- end"):
            section = line.strip()[4:]
        elif section == "meta" and ":" in line:
            k, v = line.split(":", 1)
            cur.meta[k.strip()] = v.strip()
        elif section == "text":
            cur.tagged += line + "\n"
        elif section == "quotes" and line.strip():
            cur.rows.append(line.split("|"))
        elif line.strip():
            raise SourceError(f"{path}:{n}: line outside any section: {line[:60]!r}")
    for a in arts:
        a.tagged = a.tagged.strip("\n")
    return arts


def to_record(art: SourceArticle, disputes: dict, flip: bool, adjudicated: dict) -> dict:
    """The corpus record of a parsed source article; labels relative to the chosen target."""
    d = art.meta.get("dispute", "")
    if d not in disputes:
        raise SourceError(f"unknown dispute {d!r}")
    quotes = []
    for q in art.quotes:
        q = dict(q)
        stance = adjudicated.get((art.id, q.pop("qid")), q["stance"])
        q["stance"] = FLIP[stance] if flip else stance
        quotes.append(q)
    return {"id": art.id, "dispute": d, "target": disputes[d]["counter" if flip else "claim"],
            "title": art.meta.get("title", ""), "date": art.meta.get("date", ""),
            "style": art.meta.get("style", ""), "text": art.text, "quotes": quotes,
            "not_quotes": art.not_quotes}


def _h(s: str) -> int:
    return int(hashlib.sha1(s.encode()).hexdigest()[:8], 16)


def assign_splits(ids_by_dispute: dict[str, list[str]]) -> dict[str, str]:
    """Deterministic ~70/15/15 split by article within each dispute; held-out disputes go to test,
    train-only disputes to train."""
    split = {}
    for d, ids in ids_by_dispute.items():
        order = sorted(ids, key=_h)
        n = len(order)
        n_dev = n_test = max(1, round(0.15 * n))
        for i, a in enumerate(order):
            if d in TEST_ONLY_DISPUTES:
                split[a] = "test"
            elif d in TRAIN_ONLY_DISPUTES:
                split[a] = "train"
            else:
                split[a] = "dev" if i < n_dev else "test" if i < n_dev + n_test else "train"
    return split


def load_adjudicated(path: Path) -> dict:
    """(article id, qid) -> settled stance (relative to the claim statement), from the TSV of settled
    disagreements between the two annotation passes."""
    out = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and not line.startswith("#") and parts[2] in LABELS:
                out[(parts[0], parts[1])] = parts[2]
    return out


def parse_sources(src_dir: Path) -> tuple[list[SourceArticle], list[str]]:
    return parse_source_files(sorted(Path(src_dir).glob("*.txt")))


def parse_source_files(paths: list[Path]) -> tuple[list[SourceArticle], list[str]]:
    """Parsed articles of every file, and every fault ('file:line id: reason')."""
    arts, errors = [], []
    for path in paths:
        try:
            file_arts = read_source(path)
        except SourceError as e:
            errors.append(str(e))
            continue
        for a in file_arts:
            try:
                arts.append(parse_article(a))
            except SourceError as e:
                errors.append(f"{path.name}:{a.line} {a.id}: {e}")
    return arts, errors


def build_records(paths: list[Path], adjudicated: dict | None = None) -> list[dict]:
    """Corpus records of the source files, sorted by id. About a third of the articles (chosen by a
    hash of their id) take the counter-statement as target, with FAVOR and AGAINST swapped."""
    disputes = load_disputes()
    arts, errors = parse_source_files(paths)
    if errors:
        raise SourceError("\n".join(errors))
    return [to_record(a, disputes, _h("target:" + a.id) % 3 == 0, adjudicated or {})
            for a in sorted(arts, key=lambda a: a.id)]


def build(src_dir: Path = DATA / "source", out_dir: Path = DATA / "corpus") -> dict[str, list[dict]]:
    """Build the JSONL splits from the source files, with the settled second-pass labels applied."""
    records = build_records(sorted(Path(src_dir).glob("*.txt")),
                            load_adjudicated(DATA / "annotation" / "adjudicated.tsv"))
    by_dispute = collections.defaultdict(list)
    for r in records:
        by_dispute[r["dispute"]].append(r["id"])
    split = assign_splits(by_dispute)
    out = {s: [r for r in records if split[r["id"]] == s] for s in SPLITS}
    out_dir.mkdir(parents=True, exist_ok=True)
    for s, recs in out.items():
        with open(out_dir / f"{s}.jsonl", "w", encoding="utf-8") as f:
            for r in recs:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return out


# ---------------------------------------------------------------- validation

REQUIRED = {"id": str, "dispute": str, "target": str, "title": str, "date": str, "style": str,
            "text": str, "quotes": list, "not_quotes": list}


def _span_ok(span, n: int) -> bool:
    return (isinstance(span, dict) and isinstance(span.get("start"), int) and isinstance(span.get("end"), int)
            and 0 <= span["start"] < span["end"] <= n)


def check_quote(q: dict, text: str) -> list[str]:
    errs = []
    if not _span_ok(q, len(text)):
        return [f"quote span {q.get('start')}..{q.get('end')} out of range or empty"]
    s, e = q["start"], q["end"]
    if text[s] in QUOTE_MARKS or text[e - 1] in QUOTE_MARKS:
        errs.append(f"quote {s}..{e} has a quotation mark at its edge: {text[s:e][:40]!r}")
    if text[s].isspace() or text[e - 1].isspace():
        errs.append(f"quote {s}..{e} starts or ends with whitespace")
    if q.get("kind") not in KINDS:
        errs.append(f"quote {s}..{e}: kind {q.get('kind')!r} not in {KINDS}")
    if q.get("stance") not in LABELS:
        errs.append(f"quote {s}..{e}: stance {q.get('stance')!r} not in {LABELS}")
    if q.get("speaker") is not None and not (isinstance(q["speaker"], str) and q["speaker"].strip()):
        errs.append(f"quote {s}..{e}: speaker must be a non-empty string or null")
    for key in ("speaker_mention", "cue"):
        if q.get(key) is not None and not _span_ok(q[key], len(text)):
            errs.append(f"quote {s}..{e}: {key} {q[key]} is not a span inside the text")
    if q.get("speaker_mention") and not q.get("speaker"):
        errs.append(f"quote {s}..{e}: speaker_mention given but speaker is null")
    return errs


def check_record(rec: dict, disputes: dict) -> list[str]:
    """Every fault of one corpus record, as readable strings (empty when it is valid)."""
    if not isinstance(rec, dict):
        return ["not a JSON object"]
    errs = [f"field {k!r} missing or not {t.__name__}" for k, t in REQUIRED.items() if not isinstance(rec.get(k), t)]
    if errs:
        return errs
    d = disputes.get(rec["dispute"])
    if d is None:
        errs.append(f"dispute {rec['dispute']!r} not in data/disputes.json")
    elif rec["target"] not in (d["claim"], d["counter"]):
        errs.append("target is neither the claim nor the counter-statement of its dispute")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", rec["date"]):
        errs.append(f"date {rec['date']!r} is not YYYY-MM-DD")
    text = rec["text"]
    for q in rec["quotes"]:
        errs += check_quote(q, text) if isinstance(q, dict) else ["quote is not an object"]
    spans = sorted((q["start"], q["end"]) for q in rec["quotes"] if isinstance(q, dict) and _span_ok(q, len(text)))
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        if s2 < e1:
            errs.append(f"quotes {s1}..{e1} and {s2}..{e2} overlap")
    for nq in rec["not_quotes"]:
        if not _span_ok(nq, len(text)) or nq.get("why") not in NOT_QUOTE_WHY:
            errs.append(f"not_quote {nq} is not a span with why in {NOT_QUOTE_WHY}")
        elif (nq["start"], nq["end"]) in spans:
            errs.append(f"span {nq['start']}..{nq['end']} is both a quote and a not_quote")
    return errs


def validate(corpus_dir: Path = DATA / "corpus") -> tuple[list[str], dict]:
    """Check every line of every split. Returns (faults as 'file:line: reason', counts)."""
    disputes = load_disputes()
    faults, seen = [], {}
    counts = {"split": collections.Counter(), "quotes": collections.Counter(), "dispute": collections.Counter(),
              "stance": collections.defaultdict(collections.Counter), "kind": collections.Counter()}
    for s in SPLITS:
        path = corpus_dir / f"{s}.jsonl"
        if not path.exists():
            faults.append(f"{path}: missing")
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                faults.append(f"{path}:{n}: not JSON ({e.msg})")
                continue
            errs = check_record(rec, disputes)
            if isinstance(rec, dict) and "id" in rec:
                if rec["id"] in seen:
                    errs.append(f"id {rec['id']!r} already used at {seen[rec['id']]}")
                seen[rec["id"]] = f"{path.name}:{n}"
            faults += [f"{path}:{n}: {e}" for e in errs]
            if not errs:
                counts["split"][s] += 1
                counts["quotes"][s] += len(rec["quotes"])
                counts["dispute"][(s, rec["dispute"])] += 1
                for q in rec["quotes"]:
                    counts["stance"][s][q["stance"]] += 1
                    counts["kind"][q["kind"]] += 1
    return faults, counts


def format_counts(counts: dict) -> str:
    lines = ["split  articles  quotes  FAVOR  AGAINST  NONE"]
    for s in SPLITS:
        st = counts["stance"][s]
        lines.append(f"{s:<6} {counts['split'][s]:>8} {counts['quotes'][s]:>7} "
                     f"{st['FAVOR']:>6} {st['AGAINST']:>8} {st['NONE']:>5}")
    disputes = sorted({d for _, d in counts["dispute"]})
    lines.append("\ndispute            " + "  ".join(f"{s:>5}" for s in SPLITS))
    for d in disputes:
        lines.append(f"{d:<18} " + "  ".join(f"{counts['dispute'][(s, d)]:>5}" for s in SPLITS))
    lines.append("\nquote kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(counts["kind"].items())))
    return "\n".join(lines)


def check_source_file(path: Path) -> list[str]:
    """Faults of one source file: tags, rows and the validity of the records it would build."""
    disputes = load_disputes()
    try:
        arts = read_source(path)
    except SourceError as e:
        return [str(e)]
    faults = []
    for a in arts:
        try:
            rec = to_record(parse_article(a), disputes, False, {})
        except SourceError as e:
            faults.append(f"{path.name}:{a.line} {a.id}: {e}")
            continue
        faults += [f"{path.name}:{a.line} {a.id}: {e}" for e in check_record(rec, disputes)]
    return faults


# ---------------------------------------------------------------- double annotation


def write_blind(src: Path, out: Path) -> int:
    """A copy of a source file for the second stance pass: quotes marked [[qN ...]], labels hidden."""
    disputes = load_disputes()
    lines = []
    for a in read_source(src):
        parse_article(a)
        d = disputes[a.meta["dispute"]]
        text, pos = [], 0
        for q in sorted(a.quotes, key=lambda q: q["start"]):
            text += [a.text[pos:q["start"]], f"[[{q['qid']} ", a.text[q["start"]:q["end"]], "]]"]
            pos = q["end"]
        text.append(a.text[pos:])
        lines += [f"=== {a.id}", f"CLAIM: {d['claim']}", f"QUOTES: {' '.join(q['qid'] for q in a.quotes)}", "",
                  "".join(text), ""]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    return len(lines)


def read_labels(path: Path) -> dict[tuple[str, str], str]:
    """(article id, qid) -> label from a TSV of `id<TAB>qid<TAB>label[<TAB>note]` lines."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) >= 3 and parts[2] in LABELS and not line.startswith("#"):
            out[(parts[0], parts[1])] = parts[2]
    return out


def cohen_kappa(a: list[str], b: list[str]) -> float:
    n = len(a)
    if n == 0:
        return float("nan")
    po = sum(x == y for x, y in zip(a, b)) / n
    pe = sum((a.count(c) / n) * (b.count(c) / n) for c in LABELS)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def agreement(src_dir: Path = DATA / "source", pass2_dir: Path = DATA / "annotation" / "pass2") -> dict:
    """Kappa between the writers' labels and the second pass, and the list of disagreements."""
    first = {}
    for a in parse_sources(src_dir)[0]:
        for q in a.quotes:
            first[(a.id, q["qid"])] = q["stance"]
    second = {}
    for p in sorted(pass2_dir.glob("*.tsv")):
        second.update(read_labels(p))
    keys = sorted(k for k in first if k in second)
    a, b = [first[k] for k in keys], [second[k] for k in keys]
    return {"n_first": len(first), "n_both": len(keys), "agreement": sum(x == y for x, y in zip(a, b)) / max(1, len(keys)),
            "kappa": cohen_kappa(a, b), "missing": sorted(k for k in first if k not in second),
            "disagreements": [(k, first[k], second[k]) for k in keys if first[k] != second[k]]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m model.corpus", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("validate", help="check data/corpus/*.jsonl and print counts").add_argument(
        "--dir", type=Path, default=DATA / "corpus")
    sub.add_parser("build", help="build data/corpus/*.jsonl from data/source/*.txt")
    sub.add_parser("check", help="check source files while writing them").add_argument("files", nargs="+", type=Path)
    blind = sub.add_parser("blind", help="write a blinded copy of a source file for the second stance pass")
    blind.add_argument("src", type=Path)
    blind.add_argument("out", type=Path)
    sub.add_parser("agreement", help="Cohen's kappa between the two stance passes; list the disagreements")
    a = ap.parse_args(argv)
    if a.cmd == "blind":
        write_blind(a.src, a.out)
        print(f"wrote {a.out}")
        return 0
    if a.cmd == "agreement":
        r = agreement()
        print(f"quotes labelled twice: {r['n_both']} of {r['n_first']}; raw agreement {r['agreement']:.3f}; "
              f"Cohen's kappa {r['kappa']:.3f}; disagreements {len(r['disagreements'])}")
        for (aid, qid), x, y in r["disagreements"]:
            print(f"{aid}\t{qid}\t{x}\t{y}")
        return 0
    if a.cmd == "check":
        faults = [f for p in a.files for f in check_source_file(p)]
        for f in faults:
            print(f)
        n = sum(len(read_source(p)) for p in a.files if p.exists() and not faults)
        print(f"{len(faults)} faults" + (f", {n} articles ok" if not faults else ""))
        return 1 if faults else 0
    if a.cmd == "build":
        try:
            out = build()
        except SourceError as e:
            print(e, file=sys.stderr)
            return 1
        print(", ".join(f"{s}: {len(v)} articles" for s, v in out.items()))
    faults, counts = validate(getattr(a, "dir", DATA / "corpus"))
    for f in faults:
        print(f, file=sys.stderr)
    print(format_counts(counts))
    if faults:
        print(f"{len(faults)} faults", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
