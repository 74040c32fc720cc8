"""Reading articles for prediction (.txt files, .jsonl files, standard input), checking every one
of them before any work starts, and writing predictions as a table, JSON or JSONL."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from model.corpus import detect_dispute
from model.pipeline import ArticleIn

MAX_TEXT = 200_000  # characters per article, the same limit as the endpoint


class InputError(ValueError):
    pass


@dataclass
class Inputs:
    articles: list[ArticleIn] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)  # "file:line: reason", in input order


def _read_text(path: Path, where: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{where}: is a directory, not a file") from None
    except OSError as e:
        raise InputError(f"{where}: cannot read ({e.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{where}: not UTF-8 text (byte {e.start}); convert it, e.g. `iconv -t utf-8`") from None


def check_record(rec, resolve_target) -> ArticleIn:
    """An ArticleIn from one JSON record, or InputError naming what is wrong with it."""
    if not isinstance(rec, dict):
        raise InputError("not a JSON object")
    text = rec.get("text")
    if not isinstance(text, str):
        raise InputError("missing \"text\" (a string)" if text is None else "\"text\" is not a string")
    if not text.strip():
        raise InputError("\"text\" is empty")
    if len(text) > MAX_TEXT:
        raise InputError(f"\"text\" has {len(text)} characters, more than {MAX_TEXT}")
    target = rec.get("target")
    if target is not None and (not isinstance(target, str) or not target.strip()):
        raise InputError("\"target\" must be a non-empty string")
    if rec.get("dispute") is not None and target is None:
        target = resolve_target(None, rec["dispute"], text)
    spans = rec.get("quotes")
    if spans is not None:
        spans = check_spans(spans, len(text))
    rid = rec.get("id")
    return ArticleIn(str(rid) if rid is not None else "", text, target, spans)


def check_spans(spans, n: int) -> list[tuple[int, int]]:
    if not isinstance(spans, list):
        raise InputError("\"quotes\" must be a list of {\"start\", \"end\"}")
    out = []
    for k, q in enumerate(spans):
        s, e = (q.get("start"), q.get("end")) if isinstance(q, dict) else (None, None)
        if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= n):
            raise InputError(f"quotes[{k}] must have integer start < end within the text (0..{n})")
        out.append((s, e))
    ordered = sorted(out)
    for (s1, e1), (s2, e2) in zip(ordered, ordered[1:]):
        if s2 < e1:
            raise InputError(f"quotes {s1}..{e1} and {s2}..{e2} overlap")
    return out


def read_jsonl(data: str, where: str, resolve_target, inputs: Inputs) -> None:
    start = len(inputs.articles)
    for n, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            inputs.bad.append(f"{where}:{n}: not JSON ({e.msg} at column {e.colno})")
            continue
        try:
            art = check_record(rec, resolve_target)
        except InputError as e:
            inputs.bad.append(f"{where}:{n}: {e}")
            continue
        art.id = art.id or f"{Path(where).stem}:{n}"
        inputs.articles.append(art)
    if len(inputs.articles) == start and not any(b.startswith(f"{where}:") for b in inputs.bad):
        inputs.bad.append(f"{where}: no articles (the file is empty)")


def read_inputs(paths: list[str], resolve_target, stdin=None) -> Inputs:
    """Every article of every input, and every fault, before any prediction starts."""
    inputs = Inputs()
    for p in paths or ["-"]:
        where = "<stdin>" if p == "-" else p
        try:
            if p == "-":
                stream = stdin or sys.stdin
                raw = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
                data = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
            else:
                data = _read_text(Path(p), where)
        except UnicodeDecodeError as e:
            inputs.bad.append(f"{where}: not UTF-8 text (byte {e.start})")
            continue
        except InputError as e:
            inputs.bad.append(str(e))
            continue
        first = data.lstrip()[:1]
        if p.endswith(".jsonl") or (p == "-" and first == "{"):
            read_jsonl(data, where, resolve_target, inputs)
        elif not data.strip():
            inputs.bad.append(f"{where}: empty file, no article to read")
        elif len(data) > MAX_TEXT:
            inputs.bad.append(f"{where}: {len(data)} characters, more than {MAX_TEXT} per article")
        else:
            inputs.articles.append(ArticleIn("stdin" if p == "-" else Path(p).stem, data))
    return inputs


# ---------------------------------------------------------------- output


def format_table(articles) -> str:
    """Each quote with its speaker, stance and probability, aligned for a terminal."""
    lines = []
    for art in articles:
        lines.append(f"== {art.id}  ({len(art.quotes)} quotes)  target: {art.target}")
        if not art.quotes:
            lines.append("   (no quotations found)")
        rows = [("#", "speaker", "stance", "p", "kind", "quote")]
        for i, q in enumerate(art.quotes, 1):
            p = f"{q.scores[q.stance]:.2f}" if q.scores and q.stance else "-"
            text = " ".join(q.text.split())
            short = text[:70] + ("…" if len(text) > 70 else "")
            rows.append((str(i), (q.speaker or "?")[:28], q.stance or "-", p, q.kind, short))
        if art.quotes:
            widths = [max(len(r[c]) for r in rows) for c in range(5)]
            for r in rows:
                lines.append("   " + "  ".join(r[c].ljust(widths[c]) for c in range(5)) + "  " + r[5])
        lines.append("")
    return "\n".join(lines)


def write_output(articles, fmt: str, out) -> None:
    if fmt == "table":
        out.write(format_table(articles))
    elif fmt == "json":
        json.dump([a.to_dict() for a in articles], out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        for a in articles:
            out.write(json.dumps(a.to_dict(), ensure_ascii=False) + "\n")


def default_format(output: str | None) -> str:
    return "table" if output is None and sys.stdout.isatty() else "jsonl"


def target_resolver(disputes: dict, counter: bool = False):
    """resolve(target, dispute, text): the target statement, from itself or from a dispute's key; dispute
    "auto" reads the text for its dispute (detect_dispute). InputError names what is wrong."""
    def resolve(target: str | None, dispute: str | None, text: str | None = None) -> str | None:
        if target:
            return target
        if dispute is None:
            return None
        if dispute == "auto":
            if text is None:
                return None  # decided per article, once its text is read
            dispute = detect_dispute(text, disputes)
            if dispute is None:
                raise InputError("dispute 'auto': the text names no territory of a known dispute; give a target or "
                                 "a dispute")
        if dispute not in disputes:
            raise InputError(f"unknown dispute {dispute!r}; known: auto, {', '.join(sorted(disputes))}")
        return disputes[dispute]["counter" if counter else "claim"]
    return resolve
