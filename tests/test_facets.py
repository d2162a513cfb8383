"""The claims table's facets (type, stance, section, extractor; kb/publish/facets.py): on a
search, counted in one pass over the claims found instead of a query per column; without
one, a query per column from its index. Either way the counts, order and links Datasette's
own column facet gives."""
from __future__ import annotations

import asyncio

import pytest
from datasette.app import Datasette

from conftest import METADATA
from kb.store.search_text import segment_words

COLUMNS = ["type", "stance", "section", "extractor"]


@pytest.fixture
def get(kb_path):
    # without facet suggestions, as kb serve runs it
    ds = Datasette([str(kb_path)], metadata=METADATA, settings={"trace_debug": True, "suggest_facets": False})

    def fetch(path: str, **params) -> dict:
        r = asyncio.run(ds.client.get(path, params=params or None))
        assert r.status_code == 200, r.text[:300]
        return r.json()
    return fetch


def expected_facet(db, column: str, where: str = "1", params=()) -> list[tuple]:
    """(value, count) of a column as Datasette's column facet orders them."""
    return [tuple(r) for r in db.execute(
        f"select {column}, count(*) as n from claims where {where} and {column} is not null "
        f"group by {column} order by n desc, {column}", list(params)).fetchall()]


def shown(facets: dict, column: str) -> list[tuple]:
    return [(v["value"], v["count"]) for v in facets[column]["results"]]


@pytest.mark.parametrize("search", ["委外催收", "上門 合法", None])
def test_facets_count_what_a_query_per_column_counts(get, db, search):
    params = {"_search": search} if search else {}
    facets = get("/kb/claims.json", **params)["facet_results"]
    where = "id in (select rowid from claims_fts where claims_fts match ?)" if search else "1"
    args = [segment_words(search)] if search else []
    for column in COLUMNS:
        assert shown(facets, column) == expected_facet(db.conn, column, where, args), column
        assert facets[column]["type"] == "column" and not facets[column]["hideable"]
    assert shown(facets, "type")  # the search found claims


def test_a_facet_value_links_to_the_filtered_page_and_back(get):
    facets = get("/kb/claims.json", _search="催收")["facet_results"]
    legality = next(v for v in facets["type"]["results"] if v["value"] == "legality")
    assert "type=legality" in legality["toggle_url"] and not legality["selected"]
    filtered = get("/kb/claims.json", _search="催收", type="legality")["facet_results"]
    chosen = next(v for v in filtered["type"]["results"] if v["value"] == "legality")
    assert chosen["selected"] and "type=legality" not in chosen["toggle_url"]
    assert [v["value"] for v in filtered["type"]["results"]] == ["legality"]
    assert sum(v["count"] for v in filtered["stance"]["results"]) == chosen["count"]


def test_one_query_counts_all_four_columns(get):
    # Datasette's column facet runs a query per column, each looking up every matching claim again
    traces = get("/kb/claims.json", _search="委外催收", _trace="1")["_trace"]["traces"]
    facet_queries = [t["sql"] for t in traces if "group by" in t["sql"].lower() and "claims_fts" in t["sql"]]
    assert len(facet_queries) == 1, facet_queries


def test_a_facet_asked_for_in_the_url_still_works(get, db):
    facets = get("/kb/claims.json", _facet="subject")["facet_results"]
    assert set(COLUMNS) | {"subject"} <= set(facets)
    size = len(facets["subject"]["results"])
    assert shown(facets, "subject") == expected_facet(db.conn, "subject")[:size]


def test_without_a_search_each_column_is_counted_from_its_index(get, db):
    # a group-by over four columns cannot use an index: over the whole table it scans every claim
    traces = get("/kb/claims.json", _trace="1")["_trace"]["traces"]
    facet_queries = [t for t in traces if "group by" in t["sql"].lower() and "from claims" in t["sql"]]
    assert len(facet_queries) == len(COLUMNS)
    for t in facet_queries:
        plan = " ".join(r[3] for r in db.conn.execute("explain query plan " + t["sql"], t["params"] or []).fetchall())
        assert "COVERING INDEX" in plan, (t["sql"], plan)


@pytest.mark.parametrize("asked", ["section", '{"columns": ["section"]}'])
def test_a_columns_facet_asked_for_in_the_url(get, db, asked):
    facets = get("/kb/claims.json", _search="催收", _facet_columns=asked)["facet_results"]
    extra = [f for name, f in facets.items() if name.startswith("section") and f["hideable"]]
    assert len(extra) == 1  # beside the metadata's own section facet, which cannot be hidden
    args = [segment_words("催收")]
    where = "id in (select rowid from claims_fts where claims_fts match ?)"
    assert [(v["value"], v["count"]) for v in extra[0]["results"]] == expected_facet(db.conn, "section", where, args)
