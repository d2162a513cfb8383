"""The graph kept up to date by `kb ingest` (kb/graph/update.py): one more article adds its
own nodes, edges and cluster memberships and leaves the earlier ones as they were, and
ingesting articles one at a time gives what `kb graph --rebuild` gives."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import A000, CORPUS, CORPUS_FILES, copy_db
from kb.cli import cli
from kb.graph.clusters import LSH_RECENT_MAX

H005, H017, H018 = "h005.txt", "h017.txt", "h018.txt"


def spun_copy(name: str) -> str:
    """A content-farm copy of a corpus article: spun phrases and another breadcrumb."""
    text = (CORPUS / name).read_text(encoding="utf-8")
    return text.replace("之一时间", "第一时间").replace("首页 > 逾期动态", "首页 > 信用卡").replace("措施", "措")


def kb_ingest(*args: str) -> str:
    """Run `kb ingest ARGS -q`; returns its stderr (where the graph update reports)."""
    result = CliRunner().invoke(cli, ["ingest", *args, "-q"])
    assert result.exit_code == 0, result.output
    return result.stderr


def query(path: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def graph_of(path: Path) -> dict:
    """Everything the graph and the clusters hold, without ids that depend on insertion
    order (edge ids) and the global metrics an update leaves to the next rebuild."""
    members = query(path, "select cluster_id, claim_id from claim_cluster_members")
    groups: dict[int, set[int]] = {}
    for cluster, claim in members:
        groups.setdefault(cluster, set()).add(claim)
    return {
        "nodes": set(query(path, "select id, kind, label, claim_id, entity_id, law_id, article_id, type, stance, "
                                 "status, cluster_id, degree from nodes")),
        "edges": sorted(query(path, "select source, target, kind, article_id from edges")),
        "clusters": set(query(path, "select * from claim_clusters")),
        "groups": {frozenset(g) for g in groups.values()},
        "members": set(query(path, "select * from claim_cluster_members")),
        "stance_targets": set(query(path, "select * from stance_targets")),
        # the band keys of clusters founded since the last rebuild are kept apart until merged
        "lsh": set(query(path, "select * from claim_cluster_lsh union all select * from claim_cluster_lsh_recent")),
        "signatures": set(query(path, "select * from claim_cluster_signatures")),
    }


def assert_same_as_rebuild(path: Path, tmp_path: Path) -> None:
    rebuilt = copy_db(path, tmp_path / "rebuilt.db")
    result = CliRunner().invoke(cli, ["graph", "--rebuild", "--db", str(rebuilt)])
    assert result.exit_code == 0, result.output
    updated, full = graph_of(path), graph_of(rebuilt)
    for part in full:
        assert updated[part] == full[part], part


def article_id(path: Path, name: str) -> str:
    """The id of the article ingested from a file of this name (in whatever folder)."""
    (found,) = query(path, "select id from articles where source like ?", ["%/" + name])
    return found[0]


@pytest.fixture(scope="module")
def without_h018(tmp_path_factory):
    """The corpus but h018.txt, with a spun copy of 000, ingested with the graph; and h018
    in a folder of its own."""
    root = tmp_path_factory.mktemp("one_more")
    folder = root / "corpus"
    folder.mkdir()
    for name in CORPUS_FILES:
        if name != H018:
            shutil.copy(CORPUS / name, folder / name)
    (folder / "zz_copy_of_000.txt").write_text(spun_copy(A000), encoding="utf-8")
    later = root / "later"
    later.mkdir()
    shutil.copy(CORPUS / H018, later / H018)
    db_path = root / "kb.db"
    assert "graph: rebuilt" in kb_ingest(str(folder), "--db", str(db_path))
    return db_path, later / H018


@pytest.fixture(scope="module")
def one_more(without_h018, tmp_path_factory):
    """(db before, db after ingesting h018.txt into a copy, h018's article id)."""
    before, h018 = without_h018
    after = copy_db(before, tmp_path_factory.mktemp("after") / "kb.db")
    assert "graph: updated, 1 articles added, 0 removed" in kb_ingest(str(h018), "--db", str(after))
    return before, after, article_id(after, H018)


def test_one_more_article_keeps_every_earlier_edge_and_adds_its_own(one_more):
    before, after, new = one_more
    old_edges = set(query(before, "select id, source, target, kind, article_id from edges"))
    new_edges = set(query(after, "select id, source, target, kind, article_id from edges"))
    assert old_edges < new_edges  # ids included: earlier rows were not rewritten
    added = new_edges - old_edges
    assert {a for *_x, a in added} == {new}
    kinds = {k for _i, _s, _t, k, _a in added}
    assert {"contains", "about", "contradicts", "supports"} <= kinds
    n_claims = query(after, "select count(*) from claims where article_id = ?", [new])[0][0]
    assert sum(k == "contains" for _i, _s, _t, k, _a in added) == n_claims > 0
    # claim-to-claim edges of the new claims point to claims that were there before
    old_nodes = {n for (n,) in query(before, "select id from nodes")}
    for _i, _s, target, kind, _a in added:
        if kind in ("contradicts", "supports", "same"):
            assert target in old_nodes
    # earlier nodes and cluster memberships stay as they were
    assert old_nodes < {n for (n,) in query(after, "select id from nodes")}
    assert set(query(before, "select * from claim_cluster_members")) < set(
        query(after, "select * from claim_cluster_members"))


def test_one_more_article_counts_its_degree_and_leaves_global_metrics_to_a_rebuild(one_more, tmp_path):
    _before, after, new = one_more
    after = copy_db(after, tmp_path / "kb.db")
    # degree is exact after the update
    wrong = query(after, "select n.id from nodes n where n.degree != (select count(*) from edges e "
                         "where e.source = n.id) + (select count(*) from edges e where e.target = n.id)")
    assert wrong == []
    assert query(after, "select count(*) from nodes where pagerank is null") == \
        query(after, "select count(*) from nodes where article_id = ?", [new])
    result = CliRunner().invoke(cli, ["graph", "--metrics", "--db", str(after)])
    assert result.exit_code == 0, result.output
    assert query(after, "select count(*) from nodes where pagerank is null or community is null") == [(0,)]
    assert query(after, "select value from graph_state where key = 'metrics_at'")[0][0]


def test_one_more_article_gives_what_a_rebuild_gives(one_more, tmp_path):
    assert_same_as_rebuild(one_more[1], tmp_path)


def test_h018_contradicts_000_on_door_visits_and_supports_earlier_articles(one_more):
    """h018 calls 上门催收 legal where a reader of 000 called it illegal; where it agrees
    with an earlier article, the supports edge joins claims of one stance and subject."""
    before, after, new = one_more
    a000 = article_id(after, A000)
    rows = query(after, "select e.kind, s.stance, t.stance, s.subject, t.subject, t.article_id from edges e "
                        "join claims s on e.source = 'claim:' || s.id join claims t on e.target = 'claim:' || t.id "
                        "where e.article_id = ? and e.kind in ('supports', 'contradicts')", [new])
    assert ("contradicts", "legal", "illegal", "上门催收", "上门催收", a000) in rows
    supports = [r for r in rows if r[0] == "supports"]
    assert supports
    earlier = {a for (a,) in query(before, "select id from articles")}
    assert all(ss == ts and sub == tsub and t in earlier for _k, ss, ts, sub, tsub, t in supports)


@pytest.mark.parametrize("recent_max", [LSH_RECENT_MAX, 500])
def test_corpus_ingested_one_file_at_a_time_gives_what_a_rebuild_gives(recent_max, tmp_path, monkeypatch):
    """Whether the band keys of new clusters wait in claim_cluster_lsh_recent (the default:
    never merged at this size) or are merged into claim_cluster_lsh every few articles."""
    monkeypatch.setattr("kb.graph.clusters.LSH_RECENT_MAX", recent_max)
    folder = tmp_path / "in"
    folder.mkdir()
    db_path = tmp_path / "kb.db"
    copies = {"zz_copy_of_000.txt": A000, "zz_copy_of_h017.txt": H017}  # spun copies, ingested among the rest
    names = CORPUS_FILES[:10] + ["zz_copy_of_000.txt"] + CORPUS_FILES[10:] + ["zz_copy_of_h017.txt"]
    for name in names:
        if name in copies:
            (folder / name).write_text(spun_copy(copies[name]), encoding="utf-8")
        else:
            shutil.copy(CORPUS / name, folder / name)
        report = kb_ingest(str(folder / name), "--db", str(db_path))
        assert ("graph: rebuilt" if name == names[0] else "graph: updated") in report
    assert query(db_path, "select count(*) from edges where kind = 'same'")[0][0] > 50
    assert query(db_path, "select count(*) from edges where kind = 'duplicate_of'") == [(2,)]
    (recent,), = query(db_path, "select count(*) from claim_cluster_lsh_recent")
    assert (recent > 500) == (recent_max == LSH_RECENT_MAX)  # never merged, or merged every few articles
    assert_same_as_rebuild(db_path, tmp_path)


@pytest.fixture
def small_base(tmp_path):
    """000, its spun copy, h005, h017 and h018 ingested one by one into kb.db."""
    folder = tmp_path / "in"
    folder.mkdir()
    db_path = tmp_path / "kb.db"
    for name in (A000, H005, H017, H018):
        shutil.copy(CORPUS / name, folder / name)
        kb_ingest(str(folder / name), "--db", str(db_path))
    (folder / "copy_of_000.txt").write_text(spun_copy(A000), encoding="utf-8")
    kb_ingest(str(folder / "copy_of_000.txt"), "--db", str(db_path))
    return folder, db_path


def replace(path: Path, db_path: Path) -> tuple[str, str, str]:
    """Edit an ingested file and ingest it again: (old id, new id, graph report)."""
    old = article_id(db_path, path.name)
    path.write_text(path.read_text(encoding="utf-8") + "\n\n上门催收是违法的。委外催收是合法的。\n", encoding="utf-8")
    report = kb_ingest(str(path), "--db", str(db_path))
    return old, article_id(db_path, path.name), report


def assert_gone(db_path: Path, old: str, old_claims: list[int]) -> None:
    assert query(db_path, "select count(*) from nodes where article_id = ? or id = ?", [old, f"article:{old}"]) == [(0,)]
    assert query(db_path, "select count(*) from edges where article_id = ? or target = ?", [old, f"article:{old}"]) \
        == [(0,)]
    assert query(db_path, "select count(*) from claim_cluster_members where article_id = ?", [old]) == [(0,)]
    assert query(db_path, "select count(*) from stance_targets where article_id = ?", [old]) == [(0,)]
    # no edge is left pointing at a node that is gone
    assert query(db_path, "select count(*) from edges e where not exists (select 1 from nodes n where n.id = e.target) "
                          "or not exists (select 1 from nodes n where n.id = e.source)") == [(0,)]
    assert old_claims and query(db_path, "select count(*) from claim_clusters where canonical_claim_id is null") == [(0,)]


def test_replacing_an_article_removes_its_graph_rows(small_base, tmp_path):
    folder, db_path = small_base
    old_h005 = article_id(db_path, H005)
    old_claims = [c for (c,) in query(db_path, "select id from claims where article_id = ?", [old_h005])]
    targeted = query(db_path, "select count(*) from edges e join nodes n on n.id = e.target "
                              "where n.article_id = ? and e.kind in ('supports', 'contradicts') "
                              "and e.article_id != ?", [old_h005, old_h005])[0][0]
    assert targeted > 0  # later articles' edges point at h005: they are drawn again
    old, new, report = replace(folder / H005, db_path)
    assert old == old_h005 and new != old
    assert "graph: updated, 1 articles added, 1 removed" in report
    assert_gone(db_path, old, old_claims)
    assert query(db_path, "select count(*) from nodes where article_id = ? and kind = 'claim'", [new]) == \
        query(db_path, "select count(*) from claims where article_id = ?", [new])
    assert_same_as_rebuild(db_path, tmp_path)


def test_replacing_an_article_that_was_copied_rebuilds_the_graph(small_base, tmp_path):
    folder, db_path = small_base
    old_claims = [c for (c,) in query(db_path, "select id from claims where article_id = ?",
                                      [article_id(db_path, A000)])]
    old, new, report = replace(folder / A000, db_path)
    assert "graph: rebuilt (a removed article had near-duplicate copies)" in report
    assert_gone(db_path, old, old_claims)
    assert_same_as_rebuild(db_path, tmp_path)


def test_graph_tables_are_described_in_metadata(graph_kb_path):
    from conftest import METADATA

    tables = METADATA["databases"]["kb"]["tables"]
    with sqlite3.connect(graph_kb_path) as conn:
        for table in ("nodes", "edges", "claim_clusters", "claim_cluster_members", "claim_cluster_lsh",
                      "claim_cluster_lsh_recent", "claim_cluster_signatures", "stance_targets", "graph_state"):
            columns = [r[1] for r in conn.execute(f"pragma table_info([{table}])")]
            assert columns, table
            described = tables.get(table, {}).get("columns", {})
            assert [c for c in columns if c not in described] == [], table


def test_a_graph_of_an_earlier_version_is_rebuilt_not_extended(without_h018, tmp_path):
    """A graph built by other code (graph_state.version: e.g. its LSH band keys computed
    another way) is rebuilt by the next ingest rather than extended with keys that could
    never meet its own."""
    before, h018 = without_h018
    path = copy_db(before, tmp_path / "kb.db")
    with sqlite3.connect(path) as conn:
        conn.execute("update graph_state set value = '3' where key = 'version'")
    assert "graph: rebuilt" in kb_ingest(str(h018), "--db", str(path))
    assert query(path, "select value from graph_state where key = 'version'") != [("3",)]
    assert_same_as_rebuild(path, tmp_path)
