"""A claim's provenance page: its sentence highlighted in the raw text around it, in the
original script, next to the cleaned text; article text escaped."""
from __future__ import annotations

from html import escape

from conftest import A002, datasette_get
from kb.publish.provenance import claim_context, render_claim


def test_page_shows_raw_sentence_highlighted_and_clean_text(kb_path, db):
    claim = next(db.query("select c.id, c.raw, c.text from claims c join articles a on a.id = c.article_id "
                          "where a.source like ? and c.raw like '%(%' limit 1", [f"%{A002}"]))
    r = datasette_get(kb_path)(f"/-/claim/{claim['id']}")
    assert r.status_code == 200
    assert f"<mark>{escape(claim['raw'])}</mark>" in r.text  # original script, pinyin annotations and all
    assert escape(claim["text"]) in r.text  # cleaned, simplified


def test_claims_table_links_to_the_provenance_page(kb_path):
    r = datasette_get(kb_path)("/kb/claims", _size="3")
    assert 'href="/-/claim/1?db=kb"' in r.text


def test_article_text_is_escaped():
    raw = "前文。<script>alert(1)</script>委外催收是否合法?后文。"
    start = raw.index("委外")
    html = render_claim({"id": 1, "article_id": "x", "type": "legality", "text": "委外催收是否合法?",
                         "raw_start": start, "raw_end": len(raw) - 3}, raw)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_context_is_cut_around_the_claim():
    raw = "第一行。\n" + "甲" * 500 + "目标句。" + "乙" * 500
    start = raw.index("目标句")
    before, claim, after = claim_context(raw, start, start + 4)
    assert claim == "目标句。" and 0 < len(before) <= 160 and 0 < len(after) <= 160
