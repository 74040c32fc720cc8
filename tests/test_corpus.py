"""The corpus format: source parsing, the build, and a validator that rejects every kind of fault."""
import collections
import copy
import json

import pytest

from model import corpus
from tests.conftest import SOURCE


@pytest.fixture
def record(tiny_corpus):
    lines = (tiny_corpus / "train.jsonl").read_text(encoding="utf-8").splitlines()
    return next(json.loads(x) for x in lines if '"kurils-901' in x)


def test_build_derives_offsets_and_strips_tags(tiny_corpus):
    recs = [json.loads(x) for x in (tiny_corpus / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    kur = next(r for r in recs if r["id"].startswith("kurils-901"))
    assert "<q" not in kur["text"] and "<m" not in kur["text"]
    texts = [kur["text"][q["start"]:q["end"]] for q in kur["quotes"]]
    assert texts[0] == "not for sale"
    assert "The islands are Russian land and will stay Russian," in texts
    m = kur["quotes"][1]["speaker_mention"]
    assert kur["text"][m["start"]:m["end"]] == "Volkova"
    nq = kur["not_quotes"][0]
    assert kur["text"][nq["start"]:nq["end"]] == "peace plan" and nq["why"] == "scare"


def test_counter_target_flips_labels(tmp_path, disputes):
    src = tmp_path / "s.txt"
    src.write_text(SOURCE, encoding="utf-8")
    art = corpus.parse_article(corpus.read_source(src)[0])
    plain = corpus.to_record(art, disputes, False, {})
    art2 = corpus.parse_article(corpus.read_source(src)[0])
    flipped = corpus.to_record(art2, disputes, True, {})
    assert plain["target"] == disputes["kurils"]["claim"] and flipped["target"] == disputes["kurils"]["counter"]
    swap = {"FAVOR": "AGAINST", "AGAINST": "FAVOR", "NONE": "NONE"}
    assert [swap[q["stance"]] for q in plain["quotes"]] == [q["stance"] for q in flipped["quotes"]]


def test_adjudicated_label_overrides_first_pass(tmp_path, disputes):
    src = tmp_path / "s.txt"
    src.write_text(SOURCE, encoding="utf-8")
    art = corpus.parse_article(corpus.read_source(src)[0])
    rec = corpus.to_record(art, disputes, False, {("kurils-901", "q4"): "NONE"})
    assert rec["quotes"][3]["stance"] == "NONE"


@pytest.mark.parametrize("broken, reason", [
    (SOURCE.replace("</q2>", ""), "never closed"),
    (SOURCE.replace("q4 | Kenji Harada", "q9 | Kenji Harada"), "no <q9> tag"),
    (SOURCE.replace("q5 | Irina Volkova | m5 | c5 | partial | NONE\n", ""), "no quote row"),
    (SOURCE.replace("| partial | NONE", "| partial | MAYBE"), "stance"),
    (SOURCE.replace("<n:scare>", "<n:silly>"), "say why"),
])
def test_source_faults_are_reported(tmp_path, broken, reason):
    src = tmp_path / "s.txt"
    src.write_text(broken, encoding="utf-8")
    faults = corpus.check_source_file(src)
    assert faults and any(reason in f for f in faults), faults


def _fault(rec, disputes):
    return corpus.check_record(rec, disputes)


def test_valid_record_has_no_faults(record, disputes):
    assert _fault(record, disputes) == []


@pytest.mark.parametrize("mutate, reason", [
    (lambda r: r["quotes"][0].update(end=len(r["text"]) + 5), "out of range"),
    (lambda r: r["quotes"][1].update(start=r["quotes"][1]["start"] - 1), "quotation mark at its edge"),
    (lambda r: r["quotes"][2].update(start=r["quotes"][1]["start"] + 1), "overlap"),
    (lambda r: r["quotes"][0].update(stance="POSITIVE"), "stance"),
    (lambda r: r["quotes"][0].update(kind="quote"), "kind"),
    (lambda r: r["quotes"][1].update(speaker_mention={"start": 10**6, "end": 10**6 + 3}), "speaker_mention"),
    (lambda r: r.update(target="Some other statement."), "target is neither"),
    (lambda r: r.update(dispute="atlantis"), "not in data/disputes.json"),
    (lambda r: r.pop("text"), "'text' missing"),
    (lambda r: r.update(date="5 March 2024"), "date"),
    (lambda r: r["not_quotes"][0].update(why="irony"), "not_quote"),
])
def test_validator_rejects_each_fault(record, disputes, mutate, reason):
    bad = copy.deepcopy(record)
    mutate(bad)
    faults = _fault(bad, disputes)
    assert any(reason in f for f in faults), faults


def test_validate_reports_file_line_and_duplicate_ids(tmp_path, tiny_corpus):
    for split in ("train", "dev", "test"):
        (tmp_path / f"{split}.jsonl").write_text((tiny_corpus / "train.jsonl").read_text(encoding="utf-8"))
    (tmp_path / "dev.jsonl").write_text((tmp_path / "dev.jsonl").read_text() + "{not json\n")
    faults, _ = corpus.validate(tmp_path)
    assert any("already used" in f for f in faults)
    assert any(f.endswith("dev.jsonl:3: not JSON (Expecting property name enclosed in double quotes)") for f in faults)


def test_validate_cli_exit_codes(tmp_path, tiny_corpus, capsys):
    assert corpus.main(["validate", "--dir", str(tiny_corpus)]) == 0
    assert "split  articles" in capsys.readouterr().out
    (tmp_path / "train.jsonl").write_text("[]\n")
    assert corpus.main(["validate", "--dir", str(tmp_path)]) == 1


def test_kappa():
    assert corpus.cohen_kappa(["FAVOR", "NONE"], ["FAVOR", "NONE"]) == 1.0
    assert corpus.cohen_kappa(["FAVOR", "AGAINST", "NONE", "NONE"], ["AGAINST", "FAVOR", "NONE", "FAVOR"]) < 0.2


# ---------------------------------------------------------------- the real corpus (issue: corpus)


@pytest.fixture(scope="module")
def real():
    faults, counts = corpus.validate()
    splits = {s: [json.loads(x) for x in (corpus.DATA / "corpus" / f"{s}.jsonl").read_text(encoding="utf-8").splitlines()]
              for s in corpus.SPLITS}
    return faults, counts, splits


def test_real_corpus_is_valid(real):
    faults, _, _ = real
    assert faults == []


def test_real_corpus_size_and_splits(real):
    _, counts, splits = real
    n = sum(counts["split"].values())
    assert n >= 240 and sum(counts["quotes"].values()) >= 1400
    # the split fractions hold over the disputes that are split; training-only disputes all go to train
    split = {s: sum(r["dispute"] not in corpus.TRAIN_ONLY_DISPUTES for r in recs) for s, recs in splits.items()}
    for s, lo, hi in (("train", 0.62, 0.78), ("dev", 0.10, 0.20), ("test", 0.10, 0.22)):
        assert lo <= split[s] / sum(split.values()) <= hi, (s, split[s], split)


def test_real_corpus_coverage(real):
    _, _, splits = real
    per = collections.Counter(r["dispute"] for recs in splits.values() for r in recs)
    assert len(per) >= 12 and per["kurils"] >= 70
    seen_in_training = {r["dispute"] for s in ("train", "dev") for r in splits[s]}
    test_only = {r["dispute"] for r in splits["test"]} - seen_in_training
    assert len(test_only) >= 2
    evaluated = {r["dispute"] for s in ("dev", "test") for r in splits[s]}
    assert set(corpus.TRAIN_ONLY_DISPUTES) <= {r["dispute"] for r in splits["train"]} - evaluated


def test_split_assignment_keeps_held_out_and_training_only_disputes_apart():
    ids = {"kurils": [f"kurils-{i:03d}" for i in range(20)], "tunbs": ["tunbs-001", "tunbs-002"],
           "golan": ["golan-001", "golan-002", "golan-003"]}
    split = corpus.assign_splits(ids)
    assert {split[a] for a in ids["tunbs"]} == {"test"} and {split[a] for a in ids["golan"]} == {"train"}
    assert {split[a] for a in ids["kurils"]} == {"train", "dev", "test"}
    assert split == corpus.assign_splits({"kurils": ids["kurils"]}) | corpus.assign_splits(
        {"tunbs": ids["tunbs"], "golan": ids["golan"]})  # adding disputes never moves another dispute's articles


def test_real_corpus_stance_balance_and_directions(real, disputes):
    _, _, splits = real
    for recs in splits.values():
        labels = collections.Counter(q["stance"] for r in recs for q in r["quotes"])
        assert max(labels.values()) / sum(labels.values()) <= 0.45
    by_dispute = collections.defaultdict(set)
    counter = 0
    for recs in splits.values():
        for r in recs:
            counter += r["target"] == disputes[r["dispute"]]["counter"]
            for q in r["quotes"]:
                by_dispute[r["dispute"]].add(q["stance"])
    assert all(len(v) == 3 for v in by_dispute.values()), by_dispute
    total = sum(len(v) for v in splits.values())
    assert 0.25 <= counter / total <= 0.42
