"""The plugin finds a knowledge base by its tables, not by the name `kb`: served as
research.db (Datasette's /research), with no metadata file given, or beside another, every
page, canned query and search works; and no search string is an error."""
from __future__ import annotations

import pytest

from conftest import copy_db, datasette_get


@pytest.fixture(scope="module")
def research(graph_kb_path, tmp_path_factory):
    return copy_db(graph_kb_path, tmp_path_factory.mktemp("research") / "research.db")


@pytest.fixture(scope="module")
def get(research):
    return datasette_get(research, metadata=None)  # no metadata: the plugin gives metadata.yml's to every knowledge base


def test_metadata_and_canned_queries_follow_the_database(get):
    meta = get("/-/metadata.json").json()
    assert "research" in meta["databases"]
    queries = get("/research.json").json()["queries"]
    assert {"search_claims", "contested_subjects", "laws_cited", "repeated_claims"} <= {q["name"] for q in queries}
    facets = get("/research/claims.json").json()["facet_results"]
    facets = facets.get("results", facets)
    assert {"type", "stance", "extractor"} <= set(facets)


def test_every_page_of_the_plugin_works_under_another_name(get):
    claim = get("/-/claim/1")
    assert claim.status_code == 200
    assert 'href="/research/claims/1"' in claim.text and "/kb/" not in claim.text
    graph = get("/-/graph", node="claim:1")
    assert graph.status_code == 200 and "db=research" in graph.text
    table = get("/research/claims", _size="2")
    assert 'href="/-/claim/1?db=research"' in table.text


def test_search_box_segments_under_another_name(get):
    rows = get("/research/claims.json", _search="委外催收", _shape="array").json()
    assert rows and all("委外" in r["text"] and "催收" in r["text"] for r in rows)


def test_two_knowledge_bases_served_at_once(research, kb_path):
    get = datasette_get(kb_path, research, metadata=None)
    assert {"kb", "research"} <= set(get("/-/metadata.json").json()["databases"])
    assert 'href="/research/claims/1"' in get("/-/claim/1", db="research").text
    assert 'href="/kb/claims/1"' in get("/-/claim/1").text  # the first served, without ?db=
    missing = get("/-/claim/1", db="nope")
    assert missing.status_code == 404 and "no knowledge base called &#x27;nope&#x27;" in missing.text
    assert get("/kb/search_claims.json", q="委外催收", _shape="array").status_code == 200


def test_a_database_that_is_no_knowledge_base_gets_nothing(tmp_path, research):
    import sqlite3

    other = tmp_path / "notes.db"
    sqlite3.connect(str(other)).execute("create table notes (x)").connection.commit()
    get = datasette_get(other, research, metadata=None)
    assert "notes" not in get("/-/metadata.json").json()["databases"]
    assert get("/-/claim/1").status_code == 200  # found research by its tables


HOSTILE = ["", " ", '"', '""', "'", "*", "-", "-委外", "AND", "OR", "NOT", "NEAR", "NEAR(委外 催收)", "委外 AND 催收",
           "(", ")", "^", ":", "。。。", "？！", "'; drop table claims; --", "委外*", "催收\"合法"]


@pytest.mark.parametrize("q", HOSTILE)
def test_no_search_string_is_an_error(get, q):
    canned = get("/research/search_claims.json", q=q, _shape="array")
    assert canned.status_code == 200, canned.text
    box = get("/research/claims.json", _search=q, _shape="array")
    assert box.status_code == 200, box.text


def test_particles_do_not_block_a_match_and_the_best_match_comes_first(get):
    rows = get("/research/search_claims.json", q="委外催收合法吗", _shape="array", _size="max").json()
    assert rows
    assert all(all(w in r["text"] for w in ("委外", "催收", "合法")) for r in rows)
    same = get("/research/search_claims.json", q="委外 催收 合法", _shape="array", _size="max").json()
    assert [r["claim_id"] for r in rows] == [r["claim_id"] for r in same]


def test_traditional_script_finds_simplified_text(get):
    trad = get("/research/search_claims.json", q="暴力催收違法嗎", _shape="array", _size="max").json()
    simp = get("/research/search_claims.json", q="暴力催收违法", _shape="array", _size="max").json()
    assert trad and [r["claim_id"] for r in trad] == [r["claim_id"] for r in simp]


def test_search_results_link_to_their_claims(get):
    page = get("/research/search_claims", q="委外催收")
    assert page.status_code == 200
    assert 'href="/-/claim/' in page.text and "?db=research" in page.text


def test_internal_tables_are_hidden_from_the_database_page(get):
    tables = {t["name"]: t for t in get("/research.json").json()["tables"]}
    for internal in ("article_fingerprints", "llm_answers", "graph_state", "claims_fts", "claim_cluster_lsh"):
        assert tables[internal]["hidden"], internal
    for reader_table in ("articles", "claims", "laws", "claim_clusters"):
        assert not tables[reader_table]["hidden"], reader_table


def test_claim_list_shows_the_few_columns_a_reader_needs(get):
    page = get("/research/claim_list.json", _shape="array", _size="5")
    rows = page.json()
    assert rows and list(rows[0]) == ["claim_id", "type", "stance", "subject", "text", "section", "article",
                                      "article_id"]
    html = get("/research/claim_list", _size="5").text
    assert f'href="/-/claim/{rows[0]["claim_id"]}?db=research"' in html
