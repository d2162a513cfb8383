"""Publishing: the knowledge base served by Datasette (in process) with metadata.yml and
the project's plugin."""
from __future__ import annotations

import asyncio

import pytest
import yaml
from datasette.app import Datasette

from conftest import A000, ROOT

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))


@pytest.fixture
def get(kb_path):
    """get(path, **params) → the response of the in-process Datasette serving kb.db."""
    assert kb_path.name == "kb.db"  # Datasette names the database after the file stem: /kb
    ds = Datasette([str(kb_path)], metadata=METADATA)

    def fetch(path: str, **params):
        return asyncio.run(ds.client.get(path, params=params or None))
    return fetch


def test_claims_table_as_json(get, db):
    r = get("/kb/claims.json", _shape="array", _size="max")
    assert r.status_code == 200
    rows = r.json()
    assert len(rows) == min(db["claims"].count, 1000)
    for row in rows:
        for key in ("id", "article_id", "type", "stance", "section", "subject", "text", "raw_start", "raw_end", "rule"):
            assert key in row
        assert isinstance(row["raw_start"], int) and isinstance(row["raw_end"], int)
    assert {row["type"] for row in rows} == {"legality", "procedure", "risk", "mitigation"}


def test_filter_claims_by_type_and_stance(get, db):
    r = get("/kb/claims.json", _shape="array", _size="max", type="legality", stance="illegal")
    assert r.status_code == 200
    rows = r.json()
    expected = db.execute("select count(*) from claims where type = 'legality' and stance = 'illegal'").fetchone()[0]
    assert len(rows) == expected > 0
    assert all(row["type"] == "legality" and row["stance"] == "illegal" for row in rows)


def test_metadata_facets_applied(get):
    r = get("/kb/claims.json")
    assert r.status_code == 200
    facets = r.json()["facet_results"]
    facets = facets.get("results", facets)  # Datasette 1.0 nests them
    assert {"type", "stance", "section"} <= set(facets)
    type_values = {f["value"] for f in facets["type"]["results"]}
    assert type_values == {"legality", "procedure", "risk", "mitigation"}


def test_home_page_carries_the_title(get):
    r = get("/")
    assert r.status_code == 200
    assert METADATA["title"] in r.text


def test_metadata_json(get):
    r = get("/-/metadata.json")
    assert r.status_code == 200
    meta = r.json()
    assert meta["title"] == "信用卡委外催收 claims knowledge base"
    assert "claims" in meta["databases"]["kb"]["tables"]


def test_table_description_shown(get):
    r = get("/kb/claims")
    assert r.status_code == 200
    assert "one row per (sentence, type)" in r.text


def test_article_row_page(get, article):
    art = article(A000)
    r = get(f"/kb/articles/{art['id']}.json", _shape="array")
    assert r.status_code == 200
    assert r.json()[0]["source"] == art["source"]


def test_plugin_loaded(get):
    names = [p["name"] for p in get("/-/plugins.json").json()]
    assert "credit-claims-kb" in names


def test_jieba_segment_sql_function(get):
    r = get("/kb.json", sql="select jieba_segment('信用卡委外催收') as words", _shape="array")
    assert r.status_code == 200, r.text
    words = r.json()[0]["words"].split(" ")
    assert {"信用卡", "委外", "催收"} <= set(words)
    assert all(words)


def test_jieba_segment_simplifies(get):
    r = get("/kb.json", sql="select jieba_segment('委外催收機構') as words", _shape="array")
    words = r.json()[0]["words"].split(" ")
    assert "机构" in words and "機構" not in words


def test_every_column_of_every_table_is_described(db):
    tables = METADATA["databases"]["kb"]["tables"]
    for table in db.table_names():
        if table.endswith(("_fts", "_data", "_idx", "_docsize", "_config", "_content")):
            continue
        described = tables.get(table, {}).get("columns", {})
        missing = [c for c in db[table].columns_dict if c not in described]
        assert not missing, f"{table}: {missing}"


@pytest.mark.parametrize("failures, ok", [(1, True), (2, False)])
def test_a_query_that_meets_a_schema_change_is_tried_once_more(get, monkeypatch, failures, ok):
    """While kb ingest or kb graph --rebuild changes the schema, preparing a query on an
    FTS5 table can fail ("vtable constructor failed: claims_fts"): the page is fetched
    once more instead of failing; a page that fails again is not tried a third time."""
    import sqlite3

    from datasette.database import Database

    execute, left = Database.execute, [failures]

    async def failing(self, sql, *args, **kwargs):
        if left[0] and "claims" in sql:
            left[0] -= 1
            raise sqlite3.OperationalError("vtable constructor failed: claims_fts")
        return await execute(self, sql, *args, **kwargs)

    monkeypatch.setattr(Database, "execute", failing)
    r = get("/kb/claims.json", _shape="array", type="legality")
    if ok:
        assert r.status_code == 200
        assert r.json() and all(row["type"] == "legality" for row in r.json())
    else:  # Datasette's own error page (400 or 500, by where the query failed)
        assert r.status_code >= 400 and "vtable constructor failed" in r.text
    assert left == [0]
