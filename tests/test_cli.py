"""The prediction CLI: every input form and format, bad input, order and count of output lines."""
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ('Tokyo rejects "provocation"\n\nMOSCOW — "The islands are Russian land," said Irina Volkova, a deputy '
           'foreign minister. "There is nothing to discuss."\n\nIn Tokyo, Kenji Harada disagreed. "The four islands '
           'are Japan\'s," he said.\n')


def run(args, capsys, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def txt(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text(ARTICLE, encoding="utf-8")
    return p


def test_help_lists_subcommands():
    text = build_parser().format_help()
    for cmd in ("predict", "train", "evaluate", "serve"):
        assert cmd in text


def test_console_script_help():
    r = subprocess.run([sys.executable, "predict.py", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0 and "--no-stance" in r.stdout


def test_txt_to_jsonl_record_shape(tiny_models, txt, capsys):
    code, out, _ = run(["predict", str(txt), "--model-dir", str(tiny_models), "--format", "jsonl"], capsys)
    assert code == 0
    rec = json.loads(out)
    assert rec["id"] == "a" and rec["target"].startswith("The disputed southern Kuril Islands")
    q = rec["quotes"][1]
    assert set(q) == {"start", "end", "text", "kind", "speaker", "speaker_mention", "cue", "speaker_confidence",
                      "stance", "scores"}
    assert ARTICLE[q["start"]:q["end"]] == q["text"] == "The islands are Russian land,"
    assert q["speaker"] == "Irina Volkova" and q["stance"] in ("FAVOR", "AGAINST", "NONE")
    assert abs(sum(q["scores"].values()) - 1) < 1e-3


def test_table_json_and_output_file(tiny_models, txt, tmp_path, capsys):
    code, out, _ = run(["predict", str(txt), "--model-dir", str(tiny_models), "--format", "table"], capsys)
    assert code == 0 and "Irina Volkova" in out and "speaker" in out and "stance" in out
    dest = tmp_path / "o.json"
    code, out, _ = run(["predict", str(txt), "--model-dir", str(tiny_models), "--format", "json", "-o", str(dest),
                        "--dispute", "kurils", "--counter"], capsys)
    data = json.loads(dest.read_text(encoding="utf-8"))
    assert code == 0 and out == "" and isinstance(data, list)
    assert data[0]["target"] == "The southern Kuril Islands should remain Russian territory."


def test_fp32_gives_the_same_labels_format(tiny_models, txt, capsys):
    code, out, _ = run(["predict", str(txt), "--model-dir", str(tiny_models), "--format", "jsonl"], capsys)
    code32, out32, _ = run(["predict", str(txt), "--model-dir", str(tiny_models), "--format", "jsonl", "--fp32"], capsys)
    a, b = json.loads(out)["quotes"], json.loads(out32)["quotes"]
    assert code == code32 == 0 and [q["text"] for q in a] == [q["text"] for q in b]
    assert max(abs(x["scores"][k] - y["scores"][k]) for x, y in zip(a, b) for k in x["scores"]) < 0.02


def test_no_stance_loads_no_transformer(tiny_models, txt, capsys):
    code, out, _ = run(["predict", str(txt), "--model-dir", str(tiny_models), "--no-stance", "--format", "jsonl"], capsys)
    rec = json.loads(out)
    assert code == 0 and rec["quotes"] and all(q["stance"] is None and q["scores"] is None for q in rec["quotes"])


def test_jsonl_with_given_spans_and_order(tiny_models, tmp_path, capsys):
    lines = [{"id": "x1", "text": ARTICLE, "quotes": [{"start": 5, "end": 12}]},
             {"id": "x2", "text": "No quotes here at all.", "target": "Crimea should be returned to Ukraine."},
             {"id": "x3", "text": ARTICLE, "dispute": "crimea"}]
    p = tmp_path / "in.jsonl"
    p.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    code, out, _ = run(["predict", str(p), "--model-dir", str(tiny_models), "--format", "jsonl"], capsys)
    recs = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [r["id"] for r in recs] == ["x1", "x2", "x3"]
    assert [(q["start"], q["end"]) for q in recs[0]["quotes"]] == [(5, 12)]
    assert recs[1]["quotes"] == [] and recs[1]["target"] == "Crimea should be returned to Ukraine."
    assert recs[2]["target"] == "Crimea should be returned to Ukraine."


def test_stdin_text_and_jsonl(tiny_models, capsys, monkeypatch):
    code, out, _ = run(["predict", "--model-dir", str(tiny_models), "--format", "jsonl"], capsys,
                       stdin=ARTICLE.encode(), monkeypatch=monkeypatch)
    assert code == 0 and json.loads(out)["id"] == "stdin"
    code, out, _ = run(["predict", "-", "--model-dir", str(tiny_models), "--format", "jsonl", "--no-stance"], capsys,
                       stdin=b'{"id": "s", "text": "\\"We will stay,\\" she said."}\n', monkeypatch=monkeypatch)
    assert code == 0 and json.loads(out)["id"] == "s"


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"\xff\xfe not utf8 \xff", "not UTF-8"),
])
def test_bad_txt_files(tiny_models, tmp_path, capsys, content, message):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    code, out, err = run(["predict", str(p), "--model-dir", str(tiny_models)], capsys)
    assert code == 2 and message in err and out == ""


def test_missing_file_and_model_dir(tiny_models, tmp_path, txt, capsys):
    code, _, err = run(["predict", str(tmp_path / "nope.txt"), "--model-dir", str(tiny_models)], capsys)
    assert code == 2 and "no such file" in err
    code, _, err = run(["predict", str(txt), "--model-dir", str(tmp_path / "empty")], capsys)
    assert code == 2 and "train.py" in err and "Traceback" not in err


CRIMEA = ('Kyiv vows to return Crimea\n\nKYIV - Ukraine will never accept the loss of Crimea, Deputy Foreign Minister '
          'Olena Hrytsenko said.\n\n"Crimea is Ukraine, and it will be free again," Hrytsenko told reporters.\n')


def test_dispute_auto_reads_each_article_for_its_dispute(tiny_models, tmp_path, capsys):
    (tmp_path / "a.txt").write_text(ARTICLE.replace("MOSCOW", "KUNASHIR"), encoding="utf-8")
    (tmp_path / "b.txt").write_text(CRIMEA, encoding="utf-8")
    lines = [{"id": "j1", "text": CRIMEA, "dispute": "auto"}, {"id": "j2", "text": CRIMEA, "dispute": "auto",
                                                                "target": "Mine."}]
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    code, out, _ = run(["predict", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--model-dir", str(tiny_models),
                        "--format", "jsonl", "--dispute", "auto", "--counter"], capsys)
    recs = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [r["target"] for r in recs] == ["The southern Kuril Islands should remain Russian territory.",
                                                        "Crimea is rightfully part of Russia."]
    code, out, _ = run(["predict", str(tmp_path / "c.jsonl"), "--model-dir", str(tiny_models), "--format", "jsonl"],
                       capsys)
    assert code == 0 and [json.loads(x)["target"] for x in out.splitlines()] == [
        "Crimea should be returned to Ukraine.", "Mine."]


def test_dispute_auto_without_a_known_territory_is_bad_input(tiny_models, tmp_path, capsys):
    (tmp_path / "b.txt").write_text(CRIMEA, encoding="utf-8")
    (tmp_path / "none.txt").write_text('"We like bread," said Tom Baker.\n', encoding="utf-8")
    args = ["predict", str(tmp_path / "b.txt"), str(tmp_path / "none.txt"), "--model-dir", str(tiny_models),
            "--format", "jsonl", "--dispute", "auto"]
    code, out, err = run(args, capsys)
    assert code == 2 and out == "" and "none: dispute 'auto'" in err
    code, out, err = run(args + ["--skip-bad"], capsys)
    assert code == 1 and [json.loads(x)["id"] for x in out.splitlines()] == ["b"] and "none: dispute 'auto'" in err


def test_unknown_dispute(tiny_models, txt, capsys):
    code, _, err = run(["predict", str(txt), "--model-dir", str(tiny_models), "--dispute", "atlantis"], capsys)
    assert code == 2 and "unknown dispute 'atlantis'" in err


def test_bad_jsonl_lines_stop_everything_or_are_skipped(tiny_models, tmp_path, capsys):
    p = tmp_path / "in.jsonl"
    p.write_text('{"id": "ok1", "text": "Fine."}\nnot json\n{"id": "nt"}\n{"id": "ok2", "text": "Also fine."}\n'
                 '{"id": "bq", "text": "abc", "quotes": [{"start": 2, "end": 9}]}\n', encoding="utf-8")
    code, out, err = run(["predict", str(p), "--model-dir", str(tiny_models), "--format", "jsonl"], capsys)
    assert code == 2 and out == ""
    assert "in.jsonl:2: not JSON" in err and 'in.jsonl:3: missing "text"' in err and "in.jsonl:5: quotes[0]" in err
    code, out, err = run(["predict", str(p), "--model-dir", str(tiny_models), "--format", "jsonl", "--skip-bad"], capsys)
    assert code == 1 and [json.loads(x)["id"] for x in out.splitlines()] == ["ok1", "ok2"]
    assert "skipped: " in err and "3 bad input(s) skipped, 2 article(s) written" in err


def test_train_only_stage1_keeps_the_stance_model_and_its_record(tmp_path, tiny_models, tiny_corpus, capsys):
    out = tmp_path / "models"
    shutil.copytree(tiny_models, out)
    before = json.loads((out / "training.json").read_text())
    stance_bytes = (out / "stance" / "model.safetensors").read_bytes()
    (out / "stage1" / "quote_filter.json").unlink()
    assert main(["train", "--only", "stage1", "--out", str(out), "--corpus", str(tiny_corpus)]) == 0
    after = json.loads((out / "training.json").read_text())
    assert (out / "stage1" / "quote_filter.json").exists() and after["stance"] == before["stance"]
    assert (out / "stance" / "model.safetensors").read_bytes() == stance_bytes
    assert f"saved: {out}/stage1/, {out}/training.json" in capsys.readouterr().out


FAULTS = """
import resource, sys
if sys.argv[1] == "keep":
    from model.cli import keep_freed_memory
    assert keep_freed_memory()
import torch
lin = torch.nn.Linear(384, 1536)
with torch.inference_mode():
    for rnd in range(2):  # the second round counts: batches of the sizes that the first round has seen
        start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for n in [1000, 3000, 2000, 2500, 1500] * 4:
            torch.nn.functional.gelu(lin(torch.randn(n, 384)))
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_keep_freed_memory_stops_page_faults_on_reused_blocks():
    def faults(mode):
        r = subprocess.run([sys.executable, "-c", FAULTS, mode], cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return int(r.stdout)

    kept, default = faults("keep"), faults("default")
    assert kept < max(1_000, default / 10), (kept, default)  # here: 0 against about 43,000


def test_pipeline_gives_a_speaker_one_side_per_article(tiny_models):
    import numpy as np

    from model.pipeline import ArticleIn, Pipeline
    from model.stance import LABELS, opposites, pair_text, sentence_context

    pipe = Pipeline.load(tiny_models)
    arts = pipe.predict_batch([ArticleIn("a", ARTICLE), ArticleIn("b", ARTICLE)])
    quotes = [q for a in arts for q in a.quotes]
    assert sum(q.speaker == "Irina Volkova" for q in arts[0].quotes) >= 2
    texts = [pair_text(q.text, q.speaker, *sentence_context(ARTICLE, q.start, q.end))
             for q in quotes]
    alone = pipe.stance.predict_proba([arts[0].target] * len(quotes), texts, opposites(pipe.disputes))
    got = np.array([[q.scores[label] for label in LABELS] for q in quotes])
    f, a = LABELS.index("FAVOR"), LABELS.index("AGAINST")
    for art in range(2):  # each article's Volkova quotes share her side, pooled within that article only
        rows = [k for k, q in enumerate(quotes) if q.speaker == "Irina Volkova" and k // len(arts[0].quotes) == art]
        share = alone[rows, f].sum() / alone[rows][:, [f, a]].sum()
        assert np.allclose(got[rows, f], alone[rows][:, [f, a]].sum(1) * share, atol=1e-4)
        assert np.allclose(got[:, LABELS.index("NONE")], alone[:, LABELS.index("NONE")], atol=1e-4)  # NONE stays each quote's own
