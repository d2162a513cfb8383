"""Provenance: every claim and sentence points at the exact span of articles.raw_text it
came from, so a reader can see the original words next to the cleaned ones."""
from __future__ import annotations

import difflib

import pytest

from conftest import A002, CORPUS, CORPUS_FILES, normalise_raw


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_claim_raw_span_holds_the_claim(db, article, name):
    art = article(name)
    raw = art["raw_text"]
    claims = list(db.query("select * from claims where article_id = ? order by id", [art["id"]]))
    for c in claims:
        start, end = c["raw_start"], c["raw_end"]
        assert 0 <= start < end <= len(raw), (c["text"], start, end, len(raw))
        raw_slice = raw[start:end]
        assert raw_slice.strip(), c["text"]
        # the stored copy of the raw span is the span
        assert c["raw"] == raw_slice
        seen = normalise_raw(raw_slice)
        # repairs (mojibake, censored words, undone spin) change a few characters only
        assert similarity(c["text"], seen) >= 0.8, (c["text"], raw_slice)
        assert len(seen) <= 2 * len(c["text"]) and len(c["text"]) <= 2 * len(seen), (c["text"], raw_slice)


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_sentence_and_section_spans_lie_inside_their_article(db, article, name):
    art = article(name)
    n = len(art["raw_text"])
    for table in ("sentences", "sections"):
        rows = list(db.query(f"select id, text, raw_start, raw_end from [{table}] where article_id = ?", [art["id"]]))
        if table == "sentences":
            assert len(rows) == art["n_sentences"]
        for r in rows:
            assert 0 <= r["raw_start"] < r["raw_end"] <= n, (table, r)


def test_claims_share_their_sentence_span(db):
    mismatched = list(db.query("""
        select c.id, c.text, s.text as sentence from claims c join sentences s on s.id = c.sentence_id
        where c.article_id != s.article_id or c.raw_start != s.raw_start or c.raw_end != s.raw_end
           or c.text != s.text or c.section != s.section"""))
    assert mismatched == []


def test_traditional_sentence_maps_back_to_the_exact_raw_sentence(db, article):
    raw_sentence = "隨著信用卡使用的普及,逾期還款的情況也日益增加。"
    assert raw_sentence in (CORPUS / A002).read_text(encoding="utf-8")
    art = article(A002)
    rows = list(db.query("select * from sentences where article_id = ? and text like ?",
                         [art["id"], "%逾期还款的情况也日益增加%"]))
    assert len(rows) == 1
    s = rows[0]
    assert s["text"] == "随着信用卡使用的普及,逾期还款的情况也日益增加。"
    assert art["raw_text"][s["raw_start"]:s["raw_end"]] == raw_sentence


def test_annotated_sentence_span_covers_the_pinyin(db, article):
    """A sentence whose raw form carries pinyin readings: the span covers them, the text drops them."""
    art = article(A002)
    rows = list(db.query("select * from sentences where article_id = ? and text like ?",
                         [art["id"], "在选择催收公司时%"]))
    assert len(rows) == 1
    raw_slice = art["raw_text"][rows[0]["raw_start"]:rows[0]["raw_end"]]
    assert raw_slice == "在選擇催收公司時(shí),金融機(jī)構(gòu)通常會考慮公司的信譽(yù)、經(jīng)驗(yàn)及技術(shù)能力。"
    assert rows[0]["text"] == "在选择催收公司时,金融机构通常会考虑公司的信誉、经验及技术能力。"


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_mention_spans_hold_the_surface(db, article, name):
    art = article(name)
    raw = art["raw_text"]
    for m in db.query("select * from mentions where article_id = ?", [art["id"]]):
        assert 0 <= m["raw_start"] < m["raw_end"] <= len(raw), m
        seen = normalise_raw(raw[m["raw_start"]:m["raw_end"]])
        assert similarity(m["surface"], seen) >= 0.8, (m["surface"], seen)
