"""Reading PolNeAR (brat standoff) as gold documents for the stage-1 figures: the direct quotes are
the quotation-mark segments inside gold Content spans (marks excluded), each with its attribution's
Source span as the speaker mention, the definition used by the project's external benchmark.
The data lives outside the repository (`../shared/polnear`) and is never committed."""
from __future__ import annotations

import re
from pathlib import Path

OPEN_CLOSE = {"“": "”", "\"": "\"", "«": "»", "„": "“"}


def quote_segments(text: str, s: int, e: int) -> list[tuple[int, int]]:
    out, i = [], s
    while i < e:
        if text.startswith("''", i):
            j = text.find("''", i + 2, e)
            end = j if j >= 0 else e
            if end - (i + 2) >= 2:
                out.append((i + 2, end))
            i = end + 2
        elif text[i] in OPEN_CLOSE:
            j = text.find(OPEN_CLOSE[text[i]], i + 1, e)
            if text[i] == "„" and j < 0:
                j = text.find("”", i + 1, e)
            end = j if j >= 0 else e
            if end - (i + 1) >= 2:
                out.append((i + 1, end))
            i = end + 1
        else:
            i += 1
    return out


def _parse_ann(path: Path) -> tuple[dict, list[dict]]:
    spans, events = {}, []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        try:
            if parts[0].startswith("T"):
                kind, offs = parts[1].split(" ", 1)
                spans[parts[0]] = (kind, [tuple(map(int, f.split())) for f in offs.split(";")])
            elif parts[0].startswith("E"):
                events.append(dict(r.split(":") for r in parts[1].split()))
        except (IndexError, ValueError):
            continue  # a malformed annotation line: skipped, as the benchmark's reader cannot use it either
    return spans, events


def load(root: str | Path, split: str = "test") -> list[dict]:
    """Gold documents {"id", "text", "quotes": [{"start", "end", "speaker_mention"}]} of one split."""
    base = Path(root) / split
    if not (base / "attributions").is_dir():
        raise FileNotFoundError(f"{base}/attributions not found: is {root} the PolNeAR folder?")
    docs, seen = [], set()
    for ann in sorted((base / "attributions").glob("*.ann")):
        name = re.sub(r"_[0-9a-f]{4}\.ann$", "", ann.name)
        if name in seen:
            continue
        seen.add(name)
        text = (base / "text" / f"{name}.txt").read_text(encoding="utf-8")
        spans, events = _parse_ann(ann)
        quotes = []
        for ev in events:
            content, source = spans.get(ev.get("Content")), spans.get(ev.get("Source"))
            if not content:
                continue
            for cs, ce in content[1]:
                for qs, qe in quote_segments(text, cs, ce):
                    m = {"start": source[1][0][0], "end": source[1][-1][1]} if source else None
                    quotes.append({"start": qs, "end": qe, "kind": "direct", "speaker": None, "speaker_mention": m,
                                   "source_text": text[m["start"]:m["end"]] if m else None})
        quotes.sort(key=lambda q: q["start"])
        docs.append({"id": name, "text": text, "quotes": quotes, "not_quotes": []})
    return docs
