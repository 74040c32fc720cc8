"""Quote detection: every mark style, kinds, non-quotes, and no crash on any input."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.quotes import QuoteFilter, detect, filter_examples, train_quote_filter


def contents(text, qf=None):
    return [text[s.start:s.end] for s in detect(text, qf)]


@pytest.mark.parametrize("text, expected", [
    ('"We will not give up the islands," he said.', "We will not give up the islands,"),
    ("“We will not give up the islands,” he said.", "We will not give up the islands,"),
    ("‘We will not give up the islands,’ he said.", "We will not give up the islands,"),
    ("'We will not give up the islands,' he said.", "We will not give up the islands,"),
    ("«We will not give up the islands», he said.", "We will not give up the islands"),
    ("„We will not give up the islands“, sagte er.", "We will not give up the islands"),
    ("''We will not give up the islands,'' he said.", "We will not give up the islands,"),
    # a reader's comment signed after a horizontal bar or a dash
    ("“We will not give up the islands.”― Carla Ruiz", "We will not give up the islands."),
    ("“We will not give up the islands.”—Carla Ruiz", "We will not give up the islands."),
])
def test_every_mark_style(text, expected):
    assert contents(text) == [expected]


def test_apostrophes_are_not_marks():
    text = "'Japan's claim is the fishermen's claim, and we don't drop it,' said the mayor of Nemuro."
    assert contents(text) == ["Japan's claim is the fishermen's claim, and we don't drop it,"]


def test_nested_quote_stays_inside():
    text = '"They called it \'a gift\', and we called it theft," she said.'
    assert contents(text) == ["They called it 'a gift', and we called it theft,"]


def test_multi_paragraph_quote_reopens_each_paragraph():
    text = ('He read the statement aloud:\n\n"The islands were taken in 1945.\n\n'
            '"They must be returned, and we will say so every year," he said.')
    spans = detect(text)
    assert [text[s.start:s.end] for s in spans] == ["The islands were taken in 1945.",
                                                    "They must be returned, and we will say so every year,"]
    assert {s.kind for s in spans} == {"multi-paragraph"}


def test_split_quote_kinds():
    text = '"We will not yield," the minister said, "not one metre of our land."'
    spans = detect(text)
    assert [s.kind for s in spans] == ["split", "split"]


def test_partial_and_headline_kinds():
    text = 'Tokyo rejects "provocation"\n\nThe minister said the visit was "a deliberate provocation" by Moscow.'
    spans = detect(text, QuoteFilter(threshold=0.0))
    assert [s.kind for s in spans] == ["headline", "partial"]


def test_quote_standing_alone_in_the_header_is_a_headline():
    body = "The minister spoke for an hour at the port on Tuesday, and the crowd listened in silence. " * 3
    text = f'ISLAND FEVER: tourists flock north\n\n"The sea here is ours"\n\nTravel | 5 min read\n\n{body}\n\n' \
           '"We came for the bears," he said.'
    kinds = {text[s.start:s.end]: s.kind for s in detect(text, QuoteFilter(threshold=0.0))}
    assert kinds["The sea here is ours"] == "headline" and kinds["We came for the bears,"] == "direct"


def test_unbalanced_mark_runs_to_paragraph_end():
    text = 'She said: "We will wait for another generation\n\nThe talks ended.'
    assert contents(text) == ["We will wait for another generation"]


@pytest.mark.parametrize("label", ["Related:", "READ MORE:", "Read more |", "See also:", "Also read:"])
def test_a_link_line_holds_a_title_not_a_quote(label):
    text = (f'"We will not be intimidated," the spokesman said.\n\n{label} "Manila summons Chinese envoy over '
            f'shoal incident"\n\n"The shoal is ours," he added.')
    assert contents(text, QuoteFilter(threshold=0.0)) == ["We will not be intimidated,", "The shoal is ours,"]


def test_no_quotes_and_empty_text():
    assert detect("") == []
    assert detect("The talks resumed on Tuesday in Moscow.") == []


def test_trained_filter_drops_scare_quotes_and_titles():
    docs = []
    for i in range(6):
        text = (f'"We will never give the islands away, not in {1990 + i}," the minister said. The so-called '
                f'"peace plan" was shown in the film "Northern Lights" on Channel {i}.')
        s = text.index("We")
        docs.append({"text": text, "quotes": [{"start": s, "end": text.index('," the minister') + 1}]})
    qf = train_quote_filter(docs)
    X, y = filter_examples(docs)
    assert sum(y) == 6 and len(y) == 18
    out = contents(docs[0]["text"], qf)
    assert out == ["We will never give the islands away, not in 1990,"]


marks = st.sampled_from(list("\"'“”‘’«»„‟‹›‚`") + ["''", "``", "\n", "\n\n", " "])
soup = st.lists(st.one_of(marks, st.text(min_size=0, max_size=8)), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(soup)
def test_any_text_never_crashes_and_spans_stay_inside(text):
    for qf in (QuoteFilter(), QuoteFilter(threshold=0.0)):
        spans = detect(text, qf)
        last = -1
        for s in spans:
            assert 0 <= s.start < s.end <= len(text)
            assert s.start >= last
            last = s.end


def test_as_and_call_name_only_in_naming_constructions():
    from model.quotes import _naming

    assert _naming("still known as".split()) and _naming("the so-called".split())
    assert not _naming("the mood as".split()) and not _naming("described it as".split())
    assert _naming("what Tokyo calls".split()) and _naming("planners call a".split())
    assert not _naming("called the visit".split()) and not _naming("Beijing calls it".split())


def test_a_copula_in_reported_speech_marks_a_partial_quote():
    from model import lexicon
    from model.quotes import FEATURES, scan, span_features

    def feature(text):
        sp = scan(text)[0]
        return span_features(text, sp, lexicon.CueIndex(text))[FEATURES.index("copula_reported")]

    assert feature('Senator Ana Ruiz said the delay would be "improper" and left.') == 1.0
    assert feature('Ruiz told reporters that the army was "depleted".') == 1.0
    assert feature('The plan, which Tokyo calls "joint activity", was shelved.') == 0.0  # a name, no copula
    assert feature('The ferry is "unreliable" in winter.') == 0.0  # no speech cue in the sentence
