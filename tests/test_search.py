"""Chinese full-text search: two-character words, multi-word and traditional-script
queries, through the table search box (_search) and the search_claims canned query."""
from __future__ import annotations

import pytest

from conftest import datasette_get


@pytest.fixture
def get(kb_path):
    serve = datasette_get(kb_path)

    def fetch(path: str, **params):
        r = serve(path, **params)
        assert r.status_code == 200, r.text[:300]
        return r.json()
    return fetch


def texts_found(get, query: str, table: str = "claims") -> list[str]:
    rows = get(f"/kb/{table}.json", _search=query, _shape="array", _size="max")
    return [r["text"] if table == "claims" else r["clean_text"] for r in rows]


@pytest.mark.parametrize("query, words", [
    ("催收", ["催收"]),
    ("委外", ["委外"]),
    ("委外催收", ["委外", "催收"]),
    ("上门 合法", ["上门", "合法"]),
    ("委外催收過程", ["委外", "催收", "过程"]),  # traditional script
    ("討債公司", ["讨债", "公司"]),
])
def test_search_box_finds_chinese_words(get, query, words):
    found = texts_found(get, query)
    assert found, f"nothing found for {query}"
    assert all(all(w in t for w in words) for t in found)


def test_search_box_on_articles(get):
    found = texts_found(get, "微粒贷 流程", table="articles")
    assert found and all("微粒贷" in t and "流程" in t for t in found)


def test_search_claims_canned_query_matches_the_search_box(get):
    rows = get("/kb/search_claims.json", q="委外催收", _shape="array", _size="max")
    assert rows
    assert sorted(r["text"] for r in rows) == sorted(texts_found(get, "委外催收"))


def test_a_word_that_is_not_there_finds_nothing(get):
    assert texts_found(get, "比特币") == []


@pytest.mark.parametrize("typed", ["委外催收合法吗", "上门 合法", "催收</script>"])
def test_search_box_shows_the_query_as_typed(kb_path, typed):
    # the plugin segments _search for FTS5; the box the reader typed into keeps their words
    from kb.publish import _js_string
    r = datasette_get(kb_path)("/kb/claims", _search=typed)
    assert r.status_code == 200
    page = r.text
    assert f"box.value = {_js_string(typed)};" in page
    assert "</script>" not in _js_string(typed)


def test_served_connections_read_the_database_through_a_memory_map(kb_path):
    # a search looks up every matching claim by rowid: through a memory map, not a read()
    # call a page (bench/run.py: search p95 at 191,000 claims)
    import sqlite3

    from kb.publish import prepare_connection
    conn = sqlite3.connect(f"file:{kb_path}?mode=ro", uri=True)
    try:
        prepare_connection(conn)
        assert conn.execute("pragma mmap_size").fetchone()[0] >= kb_path.stat().st_size
        assert conn.execute("select jieba_segment('委外催收')").fetchone()[0] == "委外 催收"
    finally:
        conn.close()
