"""The knowledge graph (kb/graph/build.py): nodes and edges built from the corpus database,
stored as the tables nodes/edges for Datasette, and exported as GraphML, GEXF and JSON."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
import sqlite_utils
from click.testing import CliRunner

from conftest import A000, CORPUS, ROOT, copy_db
from kb.cli import cli
from kb.graph.export import FORMATS, read_graph

A001 = "001_d1e87e6a91d97939.txt"


@pytest.fixture(scope="module")
def graph_db(kb_path, tmp_path_factory):
    """A copy of the corpus database with the graph rebuilt by the CLI; (path, output)."""
    path = copy_db(kb_path, tmp_path_factory.mktemp("graph") / "kb.db")
    result = CliRunner().invoke(cli, ["graph", "--rebuild", "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path, result.output


@pytest.fixture
def q(graph_db):
    conn = sqlite3.connect(str(graph_db[0]))
    yield lambda sql, params=(): conn.execute(sql, params).fetchall()
    conn.close()


def article_id(q, name: str) -> str:
    rows = q("select id from articles where source = ?", [str(CORPUS / name)])
    assert len(rows) == 1
    return rows[0][0]


def test_rebuild_prints_counts(graph_db, q):
    out = graph_db[1]
    n_nodes = q("select count(*) from nodes")[0][0]
    n_edges = q("select count(*) from edges")[0][0]
    assert f"nodes: {n_nodes} (" in out and f"edges: {n_edges} (" in out
    assert "rebuilt in" in out


def test_nodes_of_every_kind_with_labels(q):
    kinds = dict(q("select kind, count(*) from nodes group by kind"))
    assert kinds["article"] == q("select count(*) from articles")[0][0]
    assert kinds["claim"] == q("select count(*) from claims")[0][0]
    assert kinds["entity"] == q("select count(*) from entities")[0][0]
    assert kinds["law"] == q("select count(*) from laws")[0][0]
    assert kinds["subject"] == q("select count(distinct subject) from claims where subject != ''")[0][0]
    assert q("select count(*) from nodes where label is null or kind is null")[0][0] == 0
    # useful scalars: claim type and stance, law status
    assert q("select count(*) from nodes n join claims c on n.claim_id = c.id "
             "where n.type is not c.type or n.stance is not c.stance")[0][0] == 0
    assert q("select count(*) from nodes n join laws l on n.law_id = l.id where n.status is not l.status")[0][0] == 0
    assert q("select id from nodes where kind = 'subject' and label = '上门催收'") == [("subject:上门催收",)]


def test_metrics_computed(q):
    assert q("select count(*) from nodes where degree is null or pagerank is null or community is null")[0][0] == 0
    # degree is the number of edges in and out
    row = q("select n.degree, (select count(*) from edges e where e.source = n.id or e.target = n.id) "
            "from nodes n where n.id = 'subject:上门催收'")[0]
    assert row[0] == row[1] > 0
    total = q("select sum(pagerank) from nodes")[0][0]
    assert total == pytest.approx(1.0, abs=1e-6)
    assert q("select count(distinct community) from nodes")[0][0] > 1


def test_edges_reference_nodes(q):
    assert q("select count(*) from edges e left join nodes n on n.id = e.source where n.id is null")[0][0] == 0
    assert q("select count(*) from edges e left join nodes n on n.id = e.target where n.id is null")[0][0] == 0
    kinds = {k for (k,) in q("select distinct kind from edges")}
    assert {"contains", "about", "mentions", "cites", "next", "addresses", "contradicts"} <= kinds
    assert q("select count(*) from edges where kind = 'contains'")[0][0] == q("select count(*) from claims")[0][0]
    fks = {(r[2], r[3], r[4]) for r in q("pragma foreign_key_list(edges)")}
    assert fks == {("nodes", "source", "id"), ("nodes", "target", "id")}
    indexed = {r[1] for r in q("pragma index_list(edges)")}
    assert {"idx_edges_kind", "idx_edges_source", "idx_edges_target"} <= indexed


def test_contradictions_on_door_visits(q):
    """上门催收 is called legal in h018 and illegal in a reader comment of 000."""
    rows = q("select e.source, e.target from edges e join claims l on e.source = 'claim:' || l.id "
             "join claims i on e.target = 'claim:' || i.id where e.kind = 'contradicts' and l.subject = '上门催收'")
    a000, h018 = article_id(q, A000), article_id(q, "h018.txt")
    illegal_000 = {f"claim:{c}" for (c,) in q("select id from claims where article_id = ? and type = 'legality' "
                                               "and stance = 'illegal' and subject = '上门催收' and section = 'comment'",
                                               [a000])}
    assert illegal_000
    legal = {f"claim:{c}" for (c,) in q("select id from claims where article_id = ? and type = 'legality' "
                                         "and stance = 'legal' and subject = '上门催收'", [h018])}
    assert legal
    assert any(s in legal and t in illegal_000 for s, t in rows)


def test_contradictions_are_legal_against_illegal_across_articles(q):
    rows = q("select l.stance, i.stance, l.subject, i.subject, l.article_id, i.article_id, l.type, i.type "
             "from edges e join claims l on e.source = 'claim:' || l.id join claims i on e.target = 'claim:' || i.id "
             "where e.kind = 'contradicts'")
    assert rows
    for ls, is_, lsub, isub, la, ia, lt, it in rows:
        assert {ls, is_} == {"legal", "illegal"} and (lt, it) == ("legality", "legality")
        assert lsub == isub and la != ia


def test_process_steps_chained_in_order(q):
    a001 = article_id(q, A001)
    firsts = q("select step, min(claim_id) from procedure_steps where article_id = ? and process = '委外的流程' "
               "group by step order by step", [a001])
    assert [s for s, _ in firsts] == [1, 2, 3, 4]
    nodes = [f"claim:{c}" for _, c in firsts]
    nexts = set(q("select source, target from edges where kind = 'next' and article_id = ?", [a001]))
    for a, b in zip(nodes, nodes[1:]):
        assert (a, b) in nexts
    # the chain goes forwards only: no edge back to an earlier step, none from the last step
    assert not any(s == nodes[-1] for s, _ in nexts)
    assert (nodes[1], nodes[0]) not in nexts


def test_mitigations_address_risks_in_000(q):
    a000 = article_id(q, A000)
    rows = q("select m.type, r.type, m.article_id, r.article_id, m.subject, r.subject, s.heading_path "
             "from edges e join claims m on e.source = 'claim:' || m.id join claims r on e.target = 'claim:' || r.id "
             "join sentences s on s.id = m.sentence_id where e.kind = 'addresses' and e.article_id = ?", [a000])
    assert len(rows) >= 5
    subjects = set()
    for mt, rt, ma, ra, msub, rsub, heading in rows:
        assert (mt, rt) == ("mitigation", "risk") and ma == ra == a000
        assert msub == rsub or rsub in (heading or "")
        subjects.add(rsub)
    assert {"数据泄露", "逾期风险"} <= subjects


def test_rebuild_is_deterministic(graph_db, q, tmp_path):
    before = (q("select * from nodes order by id"), q("select * from edges order by id"))
    # in another process, with another string hash seed
    env = dict(os.environ, PYTHONHASHSEED="12345")
    proc = subprocess.run([sys.executable, "-m", "kb", "graph", "--rebuild", "--db", str(graph_db[0])],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    after = (q("select * from nodes order by id"), q("select * from edges order by id"))
    assert before == after


def test_rebuild_with_two_jobs_is_the_same(graph_db, q, tmp_path):
    """`kb graph --rebuild --jobs 2` (and `kb ingest --jobs 2`) signs half the claim texts
    and computes PageRank and Louvain in forked processes: the same tables, row for row."""
    tables = ("nodes", "edges", "claim_clusters", "claim_cluster_members", "claim_cluster_lsh",
              "claim_cluster_lsh_recent", "claim_cluster_signatures", "stance_targets")
    before = [q(f"select * from {t} order by 1, 2") for t in tables]
    path = copy_db(graph_db[0], tmp_path / "kb.db")
    result = CliRunner().invoke(cli, ["graph", "--rebuild", "--jobs", "2", "--db", str(path)])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(str(path))
    try:
        assert [conn.execute(f"select * from {t} order by 1, 2").fetchall() for t in tables] == before
    finally:
        conn.close()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_rebuild_of_an_empty_database_file(tmp_path, jobs):
    """A database file with no tables yet gets them, and an empty graph (with --jobs 2 the
    claims are read by a second process: the tables must exist before it starts)."""
    path = tmp_path / "kb.db"
    path.touch()
    result = CliRunner().invoke(cli, ["graph", "--rebuild", "--jobs", jobs, "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert "nodes: 0" in result.output and "edges: 0" in result.output


@pytest.mark.parametrize("failing", ["compute_clusters", "insert_own_edges", "create_indexes"])
def test_failed_two_job_rebuild_leaves_the_graph_and_no_process_behind(graph_db, q, tmp_path, monkeypatch, failing):
    """A rebuild that fails while a forked process signs claim texts (compute_clusters),
    after it (insert_own_edges) or while one computes the metrics (create_indexes) rolls
    back and stops that process."""
    import multiprocessing

    import kb.graph.build

    path = copy_db(graph_db[0], tmp_path / "kb.db")
    counts = kb.graph.build.counts(sqlite_utils.Database(path))

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(kb.graph.build, failing, fail)
    with pytest.raises(OSError, match="disk full"):
        kb.graph.build.rebuild(str(path), jobs=2)
    assert multiprocessing.active_children() == []
    assert kb.graph.build.counts(sqlite_utils.Database(path)) == counts


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_round_trip(graph_db, q, tmp_path, fmt):
    out = tmp_path / f"graph.{fmt}"
    result = CliRunner().invoke(cli, ["export", "graph", "--format", fmt, "--db", str(graph_db[0]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    g = read_graph(out, fmt)
    assert g.number_of_nodes() == q("select count(*) from nodes")[0][0]
    assert g.number_of_edges() == q("select count(*) from edges")[0][0]
    # attributes survive
    node = g.nodes["subject:上门催收"]
    assert node["kind"] == "subject" and node["label"] == "上门催收"
    stored = dict(q("select id, community from nodes where kind = 'law'"))
    for n, attrs in g.nodes(data=True):
        assert attrs["kind"] and "degree" in attrs
        if attrs["kind"] == "law":
            assert "status" in attrs and int(attrs["community"]) == stored[n]
    kinds = {}
    for _u, _v, attrs in g.edges(data=True):
        kinds[attrs["kind"]] = kinds.get(attrs["kind"], 0) + 1
    assert kinds == dict(q("select kind, count(*) from edges group by kind"))


def test_export_to_stdout_as_json(graph_db):
    import json

    result = CliRunner().invoke(cli, ["export", "graph", "--format", "json", "--db", str(graph_db[0])])
    assert result.exit_code == 0
    data = json.loads(result.stdout_bytes.decode("utf-8"))
    assert data["multigraph"] and data["directed"] and data["nodes"] and data["edges"]


def expected_targets(q, kind: str) -> dict[int, int]:
    """claim id → the claim its contradicts or supports edge should point to, by the
    definition, brute force over all pairs: the earliest earlier legality claim about the
    same subject, of the opposite stance in another article (contradicts), or of the same
    stance in another independent article and another cluster (supports)."""
    if kind == "contradicts":
        match = ("((t.stance = 'legal' and c.stance = 'illegal') or (t.stance = 'illegal' and c.stance = 'legal')) "
                 "and t.article_id != c.article_id")
    else:
        match = ("t.stance = c.stance and coalesce(ta.duplicate_of, ta.id) != coalesce(ca.duplicate_of, ca.id) "
                 "and tm.cluster_id != cm.cluster_id")
    return dict(q(f"""select c.id, min(t.id) from claims c join claims t on t.subject = c.subject and t.id < c.id
                      join articles ca on ca.id = c.article_id join articles ta on ta.id = t.article_id
                      join claim_cluster_members cm on cm.claim_id = c.id
                      join claim_cluster_members tm on tm.claim_id = t.id
                      where c.type = 'legality' and t.type = 'legality' and c.subject != '' and {match}
                      group by c.id"""))


@pytest.mark.parametrize("kind", ["contradicts", "supports"])
def test_stance_edges_point_to_the_earliest_earlier_match(q, kind):
    edges = {int(s[6:]): int(t[6:]) for s, t in q("select source, target from edges where kind = ?", [kind])}
    assert len(edges) == len(q("select source from edges where kind = ?", [kind]))  # one per claim at most
    assert edges and edges == expected_targets(q, kind)


@pytest.mark.parametrize("name", ["h005.txt", "h079.txt"])
def test_later_articles_support_000_on_violent_collection_being_illegal(q, name):
    """暴力催收 is called illegal in 000 and again in h005 (构成犯罪) and h079 (可构成犯罪)."""
    rows = q("select s.article_id, t.article_id, s.stance, t.stance from edges e "
             "join claims s on e.source = 'claim:' || s.id join claims t on e.target = 'claim:' || t.id "
             "where e.kind = 'supports' and s.subject = '暴力催收' and t.subject = '暴力催收'")
    assert (article_id(q, name), article_id(q, A000), "illegal", "illegal") in rows


def test_every_edge_belongs_to_the_article_of_its_source(q):
    assert q("select count(*) from edges where article_id is null") == [(0,)]
    assert q("select count(*) from edges e join nodes n on n.id = e.source where n.kind in ('article', 'claim') "
             "and n.article_id != e.article_id") == [(0,)]
