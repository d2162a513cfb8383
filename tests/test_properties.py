"""Property tests: analysis never raises on arbitrary text, and every cleaned character,
sentence and claim maps back inside the raw article."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract import Article, analyse
from extract.clean.pii import mask_pii
from extract.clean.pinyin import find_pinyin_annotations
from extract.clean.script import to_simplified
from extract.offsets import MappedText
from generated import corpus_paragraphs

LINES = corpus_paragraphs()
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# characters that stress the cleaners: brackets of every kind, unbalanced; line breaks of
# every kind; controls; traditional characters with pinyin; PII-looking digits
SPECIAL = list("()（）《》〈〉[]【】「」『』\"'“”‘’:：,，。.;；!?！？-—…·*@#%+") + \
    ["\n", "\r\n", "\r", "\t", "\x00", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\ufeff",
     "\u200b", "\u3000", "\ufffd", "個(gè)", "務(wù)", "(zhài wù)", "QQ:", "@qq.com", "138", "0000", "1990", "X"]
chunk = st.one_of(
    st.sampled_from(LINES),
    st.sampled_from(LINES).map(lambda s: s[: len(s) // 2]),  # cut mid-sentence
    st.sampled_from(SPECIAL),
    st.text(max_size=20),  # any code points, mixed scripts, surrogates excluded by hypothesis
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=30),
    st.integers(0, 10**18).map(str),
)
texts = st.lists(chunk, max_size=25).map("".join)
long_lines = st.tuples(st.sampled_from(LINES), st.integers(50, 400)).map(lambda t: t[0] * t[1])


def check_analysis(raw: str) -> None:
    result = analyse(Article("prop.txt", raw))
    doc = result.document
    n = len(raw)
    assert len(doc.raw_text) == n  # masking keeps every offset
    clean = doc.clean
    assert doc.clean_text == clean.text
    assert len(clean.starts) == len(clean.text) + 1
    assert all(0 <= s <= n for s in clean.starts)
    assert all(a <= b for a, b in zip(clean.starts, clean.starts[1:]))
    for line in doc.lines:
        assert len(line.starts) == len(line.text) + 1
        assert all(0 <= s <= n for s in line.starts)
        assert all(a <= b for a, b in zip(line.starts, line.starts[1:]))
    for b in doc.blocks:
        assert 0 <= b.raw_start <= b.raw_end <= n
    for s in doc.sentences:
        assert 0 <= s.raw_start <= s.raw_end <= n
        assert s.text == s.block.text[s.start:s.end]
    for c in result.claims:
        assert 0 <= c.sentence.raw_start <= c.sentence.raw_end <= n
        assert c.text
    for e in doc.edits:
        assert 0 <= e.raw_start <= e.raw_end <= n
    for g in doc.signals:
        assert 0 <= g.raw_start <= g.raw_end <= n


@SETTINGS
@given(texts)
def test_analyse_never_raises_and_offsets_stay_inside(raw):
    check_analysis(raw)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(long_lines)
def test_very_long_lines(raw):
    check_analysis(raw)


@SETTINGS
@given(texts)
def test_to_simplified_is_idempotent(text):
    once = to_simplified(text)
    assert len(once) == len(text)  # character for character, so offsets stay valid
    assert to_simplified(once) == once


def strip_pinyin(text: str) -> str:
    return MappedText.identity(text).apply(find_pinyin_annotations(text))[0].text


@SETTINGS
@given(texts)
def test_pinyin_stripping_is_idempotent(text):
    once = strip_pinyin(text)
    assert strip_pinyin(once) == once


@SETTINGS
@given(texts)
def test_mask_pii_is_idempotent_and_keeps_length(text):
    masked, _ = mask_pii(text)
    assert len(masked) == len(text)
    assert mask_pii(masked)[0] == masked
