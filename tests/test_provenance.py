"""A claim's provenance page: its sentence highlighted in the raw text around it, in the
original script, next to the cleaned text; article text escaped."""
from __future__ import annotations

from html import escape

from conftest import A002, datasette_get
from kb.publish.provenance import claim_context


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


def test_article_text_is_escaped(kb_path, tmp_path):
    """Article text is untrusted: a page holding <script> shows it as text."""
    import sqlite3

    from conftest import copy_db

    path = copy_db(kb_path, tmp_path / "kb.db")
    conn = sqlite3.connect(str(path))
    raw = conn.execute("select raw_text from articles a join claims c on c.article_id = a.id where c.id = 1").fetchone()[0]
    conn.execute("update articles set raw_text = ?, title = ? where id = (select article_id from claims where id = 1)",
                 ["<script>alert(1)</script>" + raw[25:], "<script>t</script>"])
    conn.execute("update claims set text = '<script>x</script>' where id = 1")
    conn.commit()
    conn.close()
    get = datasette_get(path)
    aid = get("/kb/claims/1.json", _shape="array").json()[0]["article_id"]
    for page in (get("/-/claim/1"), get(f"/-/article/{aid}"), get(f"/-/article/{aid}", view="clean")):
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<script>x" not in page.text and "<script>t" not in page.text
        assert "&lt;script&gt;" in page.text


def test_context_is_cut_around_the_claim():
    raw = "第一行。\n" + "甲" * 500 + "目标句。" + "乙" * 500
    start = raw.index("目标句")
    before, claim, after = claim_context(raw, start, start + 4)
    assert claim == "目标句。" and 0 < len(before) <= 160 and 0 < len(after) <= 160
