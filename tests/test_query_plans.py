"""The queries of the pages and canned queries find their rows by index: none scans a
table once for every row of another. At 191,112 claims (the benchmark's 10,000-article
base) a join on 'claim:' || c.id did: common_risks ran past Datasette's 3 s limit and the
page of a claim with 50 contradicts/supports edges took minutes."""
from __future__ import annotations

import re
import sqlite3

import pytest

from conftest import METADATA, datasette_get
from kb.publish import prepare_connection
from kb.publish.graph_view import edges_touching_sql
from kb.publish.pages import RELATED_CLAIMS_SQL

QUERIES = {name: spec["sql"] for name, spec in METADATA["databases"]["kb"]["queries"].items()}
QUERIES["claim page: contradicts and supports"] = RELATED_CLAIMS_SQL
# the graph view's two queries, depth 1 (the center) and 2 (its neighbours too), with and without a kind filter
for depth, ids in ((1, ["claim:1"]), (2, ["claim:1", "subject:委外催收", "law:1"])):
    for kinds in (None, {"claim", "law"}):
        count_sql, rows_sql, _ = edges_touching_sql("claim:1", ids, 80, kinds)
        label = f"graph view, depth {depth}" + (", kinds" if kinds else "")
        QUERIES[label + ": count"], QUERIES[label + ": edges"] = count_sql, rows_sql


def nested_scans(conn: sqlite3.Connection, sql: str) -> list[str]:
    """The plan's full scans inside another loop: a SCAN after the first loop of its level
    (a virtual table's scan is its own index: FTS5)."""
    params = {name: "x" for name in re.findall(r"(?<!:):(\w+)", sql)}
    plan = conn.execute("explain query plan " + sql, params).fetchall()
    levels, nested = set(), []
    for _id, parent, _, detail in plan:
        if not detail.startswith(("SCAN ", "SEARCH ")):
            continue
        if parent in levels and detail.startswith("SCAN ") and "VIRTUAL TABLE" not in detail:
            nested.append(detail)
        levels.add(parent)
    return nested


@pytest.fixture(scope="module")
def conn(graph_kb_path):
    connection = sqlite3.connect(f"file:{graph_kb_path}?mode=ro", uri=True)
    prepare_connection(connection)
    yield connection
    connection.close()


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_no_query_scans_a_table_for_each_row_of_another(conn, name):
    assert nested_scans(conn, QUERIES[name]) == []


def test_the_rule_finds_the_join_that_scanned_every_claim(conn):
    # the common_risks join before it looked claims up by id
    sql = ("select r.id, m.id from claims r left join edges e on e.kind = 'addresses' and e.target = 'claim:' || r.id "
           "left join claims m on 'claim:' || m.id = e.source")
    assert [scan.split()[:2] for scan in nested_scans(conn, sql)] == [["SCAN", "m"]]


def test_a_claim_page_lists_the_claims_it_contradicts_and_is_contradicted_by(conn, graph_kb_path):
    source, target = conn.execute("select source, target from edges where kind = 'contradicts' limit 1").fetchone()
    get = datasette_get(graph_kb_path)
    ids = [int(node.split(":")[1]) for node in (source, target)]
    for here, other in (ids, ids[::-1]):  # either end of the edge lists the other
        page = get(f"/-/claim/{here}")
        assert page.status_code == 200
        assert f'contradicts: <a href="/-/claim/{other}?db=kb">' in page.text
