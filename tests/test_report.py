"""The evaluation report: every section and JSON key, and figures recomputed from the gold data."""
import json
import shutil
from argparse import Namespace

import pytest

from model.cli import main
from model.report import compute, naive_stage1, write_report

SECTIONS = ("Headline figures", "Quote detection", "Speaker attribution", "Stance", "Baselines", "Calibration",
            "Errors", "Speed and size", "Provenance")
KEYS = ("split", "n_articles", "n_quotes", "stage1", "stance", "stance_baselines", "end_to_end", "speed", "errors",
        "provenance")


@pytest.fixture(scope="module")
def metrics(tiny_models, tiny_corpus):
    return compute(tiny_models, "test", tiny_corpus, n_boot=50)


def test_report_files_sections_and_keys(metrics, tmp_path):
    write_report(metrics, tmp_path)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    for s in SECTIONS:
        assert f"## {s}" in md and f"<h2>{s}</h2>" in page
    for k in KEYS:
        assert k in data
    assert "<svg" in page and "<script" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    st = data["stance"]
    for k in ("overall", "held_out", "by_dispute", "flip", "calibration", "macro_f1_ci95"):
        assert k in st
    assert set(data["stance_baselines"]) >= {"majority", "tfidf_lr", "tfidf_lr_held_out"}
    assert data["stage1"]["corpus"]["exact"]["quotes"]["n_gold"] == data["n_quotes"]


def test_figures_are_recomputed_from_gold(metrics, tiny_models, tiny_corpus, tmp_path):
    changed = tmp_path / "corpus"
    shutil.copytree(tiny_corpus, changed)
    lines = (changed / "test.jsonl").read_text(encoding="utf-8").splitlines()
    recs = [json.loads(x) for x in lines]
    for r in recs:  # every gold stance label and one speaker changed
        for q in r["quotes"]:
            q["stance"] = {"FAVOR": "NONE", "AGAINST": "FAVOR", "NONE": "AGAINST"}[q["stance"]]
        r["quotes"][1]["speaker"] = "Somebody Else"
    (changed / "test.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n")
    m2 = compute(tiny_models, "test", changed, n_boot=50)
    assert m2["stance"]["overall"]["confusion"] != metrics["stance"]["overall"]["confusion"]
    assert m2["stage1"]["corpus"]["exact"]["speaker_accuracy"] < metrics["stage1"]["corpus"]["exact"]["speaker_accuracy"]


def test_naive_baseline_finds_double_quotes():
    text = 'Irina Volkova said: "We stay here." In Tokyo, Kenji Harada replied: “We do not agree.”'
    out = naive_stage1(text)
    assert [text[q["start"]:q["end"]] for q in out] == ["We stay here.", "We do not agree."]
    assert out[1]["speaker"] == "Kenji Harada"


def test_evaluate_command_prints_summary_and_path(tiny_models, tiny_corpus, tmp_path, capsys):
    code = main(["evaluate", "--model-dir", str(tiny_models), "--corpus", str(tiny_corpus), "--out", str(tmp_path),
                 "--bootstrap", "20"])
    out = capsys.readouterr().out
    assert code == 0 and "Quotes, exact F1" in out and str(tmp_path) in out
    assert (tmp_path / "report.html").exists()


def test_evaluate_without_models_says_train(tmp_path, capsys):
    assert main(["evaluate", "--model-dir", str(tmp_path)]) == 2
    assert "train.py" in capsys.readouterr().err


def test_namespace_contract():
    from model.report import evaluate_all

    with pytest.raises(FileNotFoundError):
        evaluate_all(Namespace(model_dir="/nonexistent", out=None, split="test", polnear=None, corpus=None, bootstrap=10))
