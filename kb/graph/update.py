"""Keeping the graph and the claim clusters up to date as `kb ingest` stores articles,
without recomputing every pair: the work is that of the articles added or removed.

The update compares the graph with the articles: an article without its `article:` node
is new, an `article:` node without its article was removed (its file changed and
kb.store.articles.store_article replaced it, or an ingest ran with --no-graph). Then, in one
transaction:

- removed articles lose their nodes, their edges and their cluster memberships; the
  clusters they belonged to are counted again; the contradicts/supports edges of other
  claims that pointed at their claims are drawn again to the next earlier target;
  subjects no claim is about any more lose their node;
- new articles, in claim id order, get their nodes and edges (kb/graph/build.py), their claims
  are placed into clusters (kb/graph/clusters.py) and linked to earlier legality claims
  (kb/graph/stances.py) with indexed lookups; earlier nodes, edges and clusters stay as they
  are, since every edge and cluster is decided by what came before it;
- `degree` changes by the edges each node gained or lost; `pagerank` and `community` of
  new nodes stay null until `kb graph --rebuild` or `kb graph --metrics` (global metrics
  cannot be updated locally; the other nodes keep the values of that computation).

The result is what `kb graph --rebuild` builds (apart from pagerank and community). A
full rebuild is done instead when that is cheaper or the change is not local: no current
graph yet (or one built by other code: graph_state.version), many articles to add or
remove (an update costs some 20-40 ms an article, a rebuild some 2 ms an article of the
base), a
removed article had near-duplicate copies (they are matched again, so which articles are
independent changes), or one of its claims was the canonical claim of a cluster that
other claims joined (the cluster would split and later claims could choose differently).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlite_utils

from kb.store.schema import connect, ensure_schema, transaction

from .build import insert_edges, insert_scope_edges, insert_scope_nodes, rebuild
from .clusters import extend_clusters, recount, unindex_clusters
from .schema import is_current, now, set_scope, set_state
from .stances import SqlTargetIndex, edge, extend_targets, refill_targets, stance_claims, targets

# rebuild rather than add or remove more articles than this share of the base (and MIN)
REBUILD_SHARE, REBUILD_MIN = 0.1, 50


@dataclass
class Update:
    mode: str  # "unchanged", "updated", "rebuild" (to do) or "rebuilt"
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reason: str = ""


def _marks(values) -> str:
    return ", ".join("?" * len(values))


def compare_articles(db: sqlite_utils.Database) -> tuple[list[str], list[str]]:
    """(articles in the graph no longer stored, stored articles not in the graph yet): two
    scans of short indexes, whatever was ingested. (Their claims are added in id order.)"""
    in_graph = {a for (a,) in db.execute("select article_id from nodes where kind = 'article'")}
    stored = {a for (a,) in db.execute("select id from articles")}  # the id index, not the long rows
    return sorted(in_graph - stored), sorted(stored - in_graph)


def rebuild_reason(db: sqlite_utils.Database, stale: list[str], new: list[str]) -> str:
    """Why the change cannot be applied locally ('' when it can)."""
    total = db.execute("select count(*) from nodes where kind = 'article'").fetchone()[0] + len(new)
    if len(new) + len(stale) > max(REBUILD_MIN, REBUILD_SHARE * total):
        return f"{len(new)} articles to add, {len(stale)} to remove"
    if stale:
        nodes = [f"article:{a}" for a in stale]
        if db.execute(f"select 1 from edges where kind = 'duplicate_of' and target in ({_marks(nodes)}) "
                      "limit 1", nodes).fetchone():
            return "a removed article had near-duplicate copies"
        if db.execute(f"""select 1 from nodes n join claim_cluster_members m on m.cluster_id = n.claim_id
                          where n.kind = 'claim' and n.article_id in ({_marks(stale)})
                          and m.article_id not in ({_marks(stale)}) limit 1""", stale + stale).fetchone():
            return "a removed claim was the canonical claim of a cluster"
    if new:
        # claims are placed after every claim in the graph: ids only grow with ingestion
        first_new = db.execute(f"select min(id) from claims where article_id in ({_marks(new)})", new).fetchone()[0]
        last_old = db.execute(f"select claim_id from claim_cluster_members where article_id not in ({_marks(stale)}) "
                              "order by claim_id desc limit 1", stale).fetchone()
        if first_new is not None and last_old is not None and first_new <= last_old[0]:
            return "new claims are not after the graph's claims"
    return ""


def remove_articles(db: sqlite_utils.Database, stale: list[str]) -> Counter:
    """Remove the graph rows of articles no longer stored; returns the change of degree
    of the nodes that remain."""
    if not stale:
        return Counter()
    claims = db.execute(f"""select n.claim_id, n.cluster_id, n.type, n.stance, substr(e.target, 9)
                            from nodes n left join edges e on e.source = n.id and e.kind = 'about'
                            where n.kind = 'claim' and n.article_id in ({_marks(stale)})""", stale).fetchall()
    # other claims whose contradicts/supports target a removed claim: drawn again below
    relinked = [int(s[6:]) for (s,) in db.execute(
        f"""select distinct e.source from nodes n cross join edges e on e.target = n.id
            where n.article_id in ({_marks(stale)}) and e.article_id not in ({_marks(stale)})
            and e.kind in ('contradicts', 'supports') order by e.source""", stale + stale)]
    degree = _drop_nodes_and_edges(db, stale, relinked)
    _drop_memberships(db, stale, claims)
    refill_targets(db, [(subject, stance, cluster) for _c, cluster, ctype, stance, subject in claims
                        if ctype == "legality" and stance and subject])
    index = SqlTargetIndex(db)
    edges = [edge(c, kind, t) for c in stance_claims(db, relinked) for kind, t in targets(c, index)]
    insert_edges(db, edges)
    degree.update(end for s, t, _k, _a in edges for end in (s, t))
    return degree


def _drop_nodes_and_edges(db: sqlite_utils.Database, stale: list[str], relinked: list[int]) -> Counter:
    """Delete the nodes and edges of removed articles, the stance edges of `relinked`
    claims and the subjects left without claims; returns the change of degree."""
    sources = [f"claim:{c}" for c in relinked]
    degree: Counter = Counter()
    # two statements, each on its index (with OR SQLite would scan every edge)
    for removed, params in ((f"from edges where article_id in ({_marks(stale)})", stale),
                            (f"from edges where source in ({_marks(sources)}) and kind in ('contradicts', 'supports')",
                             sources)):
        degree.subtract(end for pair in db.execute(f"select source, target {removed}", params) for end in pair)
        db.execute(f"delete {removed}", params)
    db.execute(f"delete from nodes where article_id in ({_marks(stale)})", stale)
    subjects = sorted(n for n in degree if n.startswith("subject:"))
    db.execute(f"delete from nodes where id in ({_marks(subjects)}) and not exists "
               "(select 1 from edges e where e.target = nodes.id)", subjects)
    return degree


def _drop_memberships(db: sqlite_utils.Database, stale: list[str], claims: list[tuple]) -> None:
    """Delete the cluster rows of removed claims and count their clusters again. The
    memberships went with the claims (on delete cascade), and clusters founded by removed
    claims have no other members (else rebuild_reason asked for a rebuild)."""
    claim_ids = [c[0] for c in claims]
    db.execute(f"delete from claim_cluster_members where article_id in ({_marks(stale)})", stale)
    unindex_clusters(db, claim_ids)  # reads their signatures: before those go
    for table, column in (("claim_cluster_signatures", "cluster_id"), ("claim_clusters", "id")):
        db.execute(f"delete from [{table}] where [{column}] in ({_marks(claim_ids)})", claim_ids)
    recount(db, sorted({c[1] for c in claims if c[1] is not None} - set(claim_ids)))
    db.execute(f"delete from stance_targets where article_id in ({_marks(stale)})", stale)


def add_articles(db: sqlite_utils.Database, new: list[str]) -> Counter:
    """Add the graph rows of new articles; returns the change of degree of their nodes and
    of the nodes they link to."""
    if not new:
        return Counter()
    set_scope(db, new)
    extend_clusters(db)
    insert_scope_nodes(db)  # with degree 0
    (first,) = db.execute("select coalesce(max(id), 0) + 1 from edges").fetchone()
    insert_scope_edges(db)
    insert_edges(db, extend_targets(db))
    return Counter(end for pair in db.execute("select source, target from edges where id >= ?", [first])
                   for end in pair)


def add_degree(db: sqlite_utils.Database, change: Counter) -> None:
    db.conn.executemany("update nodes set degree = degree + ? where id = ?",
                        [(d, n) for n, d in sorted(change.items()) if d])


def update_graph(db: sqlite_utils.Database) -> Update:
    """Bring the graph of `db` up to date with its articles, inside a transaction, unless
    that takes a full rebuild: then the Update says so (mode "rebuild") and nothing is
    written."""
    if not is_current(db):
        return Update("rebuild", reason="no current graph")
    stale, new = compare_articles(db)
    if not stale and not new:
        return Update("unchanged")
    reason = rebuild_reason(db, stale, new)
    if reason:
        return Update("rebuild", new, stale, reason)
    # removal first: a subject node it drops may come back with a new article
    add_degree(db, remove_articles(db, stale))
    add_degree(db, add_articles(db, new))
    set_state(db, updated_at=now())
    return Update("updated", new, stale)


def update(db_path: str, jobs: int = 1) -> Update:
    """Update the graph of the database at `db_path` (the graph hook of `kb ingest`): in
    one transaction, or by a full rebuild (mode "rebuilt"; with `jobs` > 1 processes).
    Indexes a bulk load left to be built are built first (open_db), or by the rebuild."""

    db = connect(db_path)
    try:
        if is_current(db):  # else a rebuild builds them, while it clusters the claims
            ensure_schema(db)
        with transaction(db):
            result = update_graph(db)
    finally:
        db.close()
    if result.mode == "rebuild":
        rebuild(db_path, jobs)
        result.mode = "rebuilt"
    return result
