"""Entity mentions: extract.nlp.match_entities finds what the spaCy pipeline's
EntityRuler finds (same tokens, same longest-then-leftmost choice, same offsets)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CORPUS, CORPUS_FILES
from extract import analyse, load
from extract.entities import find_entities
from extract.nlp import entity_patterns, get_nlp, match_entities, words
from generated import corpus_paragraphs


def ruler(text: str) -> list[tuple[int, int, str, str]]:
    return [(e.start_char, e.end_char, e.label_, e.ent_id_) for e in get_nlp()(text).ents]


def test_same_mentions_as_the_entity_ruler_on_every_corpus_sentence():
    sentences = [s.text for name in CORPUS_FILES for a in load(CORPUS / name) for s in analyse(a).document.sentences]
    assert len(sentences) > 500
    assert [match_entities(s) for s in sentences] == [ruler(s) for s in sentences]
    assert sum(map(len, map(match_entities, sentences))) > 500


ALIASES = [p["pattern"] for p in entity_patterns()]
# aliases run together, overlapping, cut, inside other words: the choice between matches counts
pieces = st.lists(st.one_of(st.sampled_from(ALIASES), st.sampled_from(ALIASES).map(lambda a: a[1:]),
                            st.sampled_from(corpus_paragraphs()).map(lambda p: p[:20]),
                            st.sampled_from(["", " ", "的", "和", ",", "\n", "银行", "催收", "公司"])), max_size=12)


@settings(max_examples=200, deadline=None)
@given(pieces.map("".join))
def test_same_mentions_as_the_entity_ruler_on_any_text(text):
    assert match_entities(text) == ruler(text)


def test_tokens_cover_the_text_so_offsets_are_exact():
    for text in corpus_paragraphs()[:300]:
        assert "".join(words(text)) == text


def test_mentions_carry_the_canonical_entity_and_the_surface():
    [found] = find_entities(["持卡人向银保监会投诉了催收公司"])
    assert [(m.entity, m.kind, m.surface) for m in found][:2] == [
        ("持卡人", "role", "持卡人"), ("国家金融监督管理总局", "organisation", "银保监会")]
    assert all("持卡人向银保监会投诉了催收公司"[m.start:m.end] == m.surface for m in found)
