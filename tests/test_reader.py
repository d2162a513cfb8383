"""The article reader (/-/article/ID): the article's raw text in its sections, every claim
marked by type and stance and linked to its claim page; the cleaned text as a toggle."""
from __future__ import annotations

import re

import pytest

from conftest import A000, A002, datasette_get
from kb.publish.reader import article_sections


@pytest.fixture
def get(kb_path):
    return datasette_get(kb_path)


@pytest.mark.parametrize("name", [A000, A002, "h017.txt"])
def test_every_character_is_shown_once_and_every_claim_is_marked(article, db, name):
    art = article(name)
    sections = list(db.query("select kind, raw_start, raw_end from sections where article_id = ? order by idx",
                             [art["id"]]))
    claims = list(db.query("select id, type, stance, subject, raw_start, raw_end from claims where article_id = ?",
                           [art["id"]]))
    shown = article_sections(art["raw_text"], sections, claims)
    assert "".join(p.text for s in shown for p in s.pieces) == art["raw_text"]
    for c in claims:  # the pieces covering a claim's span, each carrying it, spell its raw text
        covering = [p for s in shown for p in s.pieces if c in p.claims]
        assert "".join(p.text for p in covering) == art["raw_text"][c["raw_start"]:c["raw_end"]]


def test_the_reader_page_marks_claims_and_keeps_sections_apart(get, article, db):
    art = article(A000)
    page = get(f"/-/article/{art['id']}")
    assert page.status_code == 200
    assert '<div class="section comment">' in page.text and '<div class="section heading">' in page.text
    ids = {r["id"] for r in db.query("select id from claims where article_id = ?", [art["id"]])}
    linked = {int(i) for i in re.findall(r'href="/-/claim/(\d+)\?db=kb"', page.text)}
    # a claim wholly inside a wider one of the same span is reached through the wider mark's title
    assert len(linked) >= 0.9 * len(ids) and linked <= ids
    assert re.search(r'class="claim legality (legal|illegal|conditional|requirement)"', page.text)
    assert "{% extends" not in page.text and 'class="ft"' in page.text  # Datasette's own layout


def test_the_cleaned_view_lists_sentences_with_their_claims(get, article, db):
    art = article(A002)
    page = get(f"/-/article/{art['id']}", view="clean")
    assert page.status_code == 200
    first = next(db.query("select text from sentences where article_id = ? order by idx limit 1", [art["id"]]))
    assert first["text"][:20] in page.text
    assert "個(gè)" not in page.text  # cleaned: simplified, readings gone


def test_claim_page_links_to_the_reader_and_missing_pages_offer_search(get, db):
    claim = next(db.query("select id, article_id from claims limit 1"))
    page = get(f"/-/claim/{claim['id']}")
    assert f'href="/-/article/{claim["article_id"]}?db=kb"' in page.text
    for missing in (get("/-/article/0000"), get("/-/claim/99999999"), get("/-/graph")):
        assert missing.status_code == 404
        assert 'action="/-/search"' in missing.text and 'class="ft"' in missing.text
    found = get("/-/search", q="委外催收")
    assert found.status_code == 302 and found.headers["location"].startswith("/kb/search_claims?q=")
