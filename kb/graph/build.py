"""The knowledge base as a graph: articles, claims, subjects, entities and laws as nodes,
and what links them as edges, stored for Datasette as the tables `nodes` and `edges`
(schema: kb/graph/schema.py) and exported as GraphML, GEXF or node-link JSON (kb/graph/export.py).

Nodes are named `<kind>:<id>` (article:<id>, claim:<id>, entity:<id>, law:<id>,
subject:<name>) and carry `kind` and `label`. Edge kinds, each with the article of its
source node:

- contains     article → claim
- about        claim → subject
- mentions     claim → entity (an entity mentioned in the claim's sentence)
- cites        claim → law (claim_laws)
- next         procedure step → the next distinct step of the same process in the same
               article (the first claim of each step stands for the step)
- addresses    mitigation → risk of the same article whose subject is the mitigation's
               subject or is named in the mitigation's heading path (the nearest such
               risk claim: the closest one before it, else the closest one after it)
- contradicts  legal (illegal) claim → the earliest earlier opposite claim about the same
               subject in another article (kb/graph/stances.py)
- supports     legality claim → the earliest earlier claim of the same stance about the
               same subject in another independent article and cluster (kb/graph/stances.py)
- same         claim → the canonical claim of its cluster (kb/graph/clusters.py) when the two
               are in different articles: the same assertion copied or spun elsewhere
- duplicate_of article → the earlier article it is a near-duplicate copy of

Every edge is decided by its source's article and what came before it (claim ids grow
with ingestion), so the graph can be extended one article at a time
(kb/graph/update.py, run by `kb ingest`) and `kb graph --rebuild` draws the same nodes,
edges and clusters. The queries read the articles to build from temp.graph_scope: the
same code builds one new article or all of them.

Metrics: `degree` (edges in and out) is kept exact by every update. `pagerank` (PageRank
over the directed edges, damping 0.85) and `community` (Louvain: igraph's multilevel, seed
42) are global: they are computed by `kb graph --rebuild` and `kb graph --metrics`, and
nodes added by later ingests have them null until then (graph_state records when they
were computed). Louvain runs on the graph with each claim cluster contracted to one node
(a cluster is one assertion copied across articles; its claims share the community),
which keeps it near-linear on content-farm corpora where the full graph made it grow ~30×
for 10× the articles.
"""
from __future__ import annotations

import bisect
import gc
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import sqlite_utils

from kb.store.schema import connect, ensure_schema, open_db, transaction

from .clusters import PresignedTexts, claims_in_scope, compute_clusters, distinct_texts, sign_texts, store_clusters
from .schema import (GRAPH_VERSION, SCOPED_CLAIMS, create_graph_tables, create_indexes, drop_graph_tables, now,
                     set_scope, set_state)
from .stances import rebuild_targets

if TYPE_CHECKING:
    import numpy as np

    from .forked import Started

IN_SCOPE = "in (select article_id from temp.graph_scope)"

Edge = tuple[str, str, str, str | None]  # source, target, kind, article_id


def _q(db: sqlite_utils.Database, sql: str, params=()) -> list[tuple]:
    return db.execute(sql, list(params)).fetchall()


# The nodes of the articles in scope, with degree 0 (the metrics set it), as SELECTs in
# the columns of NODE_INSERT: SQLite builds the rows, no Python object per node.
NODE_INSERT = ("insert or ignore into nodes (id, kind, label, claim_id, entity_id, law_id, article_id, type, "
               "stance, status, cluster_id, degree) ")
NODE_SELECTS = [
    "select 'article:' || id, 'article', coalesce(nullif(title, ''), file_name(coalesce(nullif(source, ''), id))), "
    f"null, null, null, id, null, null, null, null, 0 from articles where id {IN_SCOPE} order by id",
    "select 'entity:' || id, 'entity', coalesce(nullif(name, ''), id), null, id, null, null, kind, null, null, null, 0 "
    "from entities order by id",
    "select 'law:' || id, 'law', coalesce(nullif(name, ''), id), null, null, id, null, null, null, status, null, 0 "
    "from laws order by id",
    "select distinct 'subject:' || c.subject, 'subject', c.subject, null, null, null, null, null, null, null, null, 0 "
    f"from {SCOPED_CLAIMS} where c.subject != '' order by c.subject",
    "select 'claim:' || c.id, 'claim', coalesce(c.text, ''), c.id, null, null, c.article_id, c.type, c.stance, null, "
    f"m.cluster_id, 0 from {SCOPED_CLAIMS} left join claim_cluster_members m on m.claim_id = c.id order by c.id",
]
EDGE_INSERT = "insert into edges (source, target, kind, article_id) "
# Edges that SQL draws alone, in the order their ids are given (each ordered by article)
OWN_EDGE_SELECTS = [
    f"select 'article:' || c.article_id, 'claim:' || c.id, 'contains', c.article_id from {SCOPED_CLAIMS} "
    "order by c.article_id, c.id",
    f"select 'claim:' || c.id, 'subject:' || c.subject, 'about', c.article_id from {SCOPED_CLAIMS} "
    "where c.subject != '' order by c.article_id, c.id",
    f"select distinct 'claim:' || c.id, 'entity:' || m.entity_id, 'mentions', c.article_id from {SCOPED_CLAIMS} "
    "join mentions m on m.sentence_id = c.sentence_id where m.entity_id is not null "
    "order by c.article_id, c.id, m.entity_id",
    f"select 'claim:' || cl.claim_id, 'law:' || cl.law_id, 'cites', c.article_id from {SCOPED_CLAIMS} "
    "join claim_laws cl on cl.claim_id = c.id order by c.article_id, cl.claim_id, cl.law_id",
]
COPY_EDGE_SELECTS = [
    # claims in scope → the canonical claim of their cluster in another article
    "select 'claim:' || m.claim_id, 'claim:' || m.cluster_id, 'same', m.article_id from claim_cluster_members m "
    f"join claim_cluster_members k on k.claim_id = m.cluster_id where m.article_id {IN_SCOPE} "
    "and k.article_id != m.article_id order by m.claim_id",
    "select 'article:' || id, 'article:' || duplicate_of, 'duplicate_of', id from articles "
    f"where duplicate_of is not null and id {IN_SCOPE} order by id",
]


def insert_scope_nodes(db: sqlite_utils.Database) -> None:
    """Insert the nodes of the articles in scope: the articles, their claims and their
    claims' subjects; and every entity and law (the lexicon tables only grow). Nodes
    stored already (subjects, entities, laws) are skipped; degree is 0."""
    db.conn.create_function("file_name", 1, lambda path: Path(path).name, deterministic=True)
    _insert_selected(db, NODE_INSERT, NODE_SELECTS)


def insert_scope_edges(db: sqlite_utils.Database) -> None:
    """Insert the edges out of the articles in scope and their claims, except contradicts
    and supports (kb/graph/stances.py): their own edges, then the edges to copies."""
    insert_own_edges(db)
    insert_copy_edges(db)


def insert_own_edges(db: sqlite_utils.Database) -> None:
    """The edges of the articles in scope that their own rows decide: contains, about,
    mentions, cites, next, addresses."""
    _insert_selected(db, EDGE_INSERT, OWN_EDGE_SELECTS)
    insert_edges(db, _next_edges(db) + _addresses_edges(db))


def insert_copy_edges(db: sqlite_utils.Database) -> None:
    """same (after the clusters are stored) and duplicate_of edges of the articles in scope."""
    _insert_selected(db, EDGE_INSERT, COPY_EDGE_SELECTS)


def _insert_selected(db: sqlite_utils.Database, insert: str, selects: list[str]) -> None:
    """Run `insert` with each SELECT in turn (rows get ids in that order)."""
    for select in selects:
        db.execute(insert + select)


def _next_edges(db: sqlite_utils.Database) -> list[Edge]:
    # the first claim of each (article, process, step), in step order
    steps = _q(db, "select article_id, process, step, min(claim_id) from procedure_steps "
                   f"where claim_id is not null and article_id {IN_SCOPE} group by article_id, process, step "
                   "order by article_id, process, step")
    return [(f"claim:{prev[3]}", f"claim:{cur[3]}", "next", cur[0]) for prev, cur in zip(steps, steps[1:])
            if prev[:2] == cur[:2] and prev[2] != cur[2] and prev[3] != cur[3]]


def _addresses_edges(db: sqlite_utils.Database) -> list[Edge]:
    rows = _q(db, f"select c.article_id, c.id, c.type, c.subject, s.heading_path from {SCOPED_CLAIMS} "
                  "left join sentences s on s.id = c.sentence_id "
                  "where +c.type in ('risk', 'mitigation') order by c.article_id, c.id")
    by_article: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        by_article[row[0]].append(row)
    edges: list[Edge] = []
    for aid, items in by_article.items():
        risks: dict[str, list[int]] = defaultdict(list)  # subject → risk claim ids, in order
        for _a, cid, ctype, subject, _h in items:
            if ctype == "risk" and subject:
                risks[subject].append(cid)
        if not risks:
            continue
        for _a, cid, ctype, subject, heading in items:
            if ctype != "mitigation":
                continue
            subjects = {subject} if subject in risks else set()
            if heading:
                subjects |= {s for s in risks if s in heading}
            targets = set()
            for s in subjects:
                ids = risks[s]
                i = bisect.bisect_left(ids, cid)
                targets.add(ids[i - 1] if i > 0 else ids[i])
            edges += [(f"claim:{cid}", f"claim:{rid}", "addresses", aid) for rid in sorted(targets)]
    return edges


def insert_edges(db: sqlite_utils.Database, edges: list[Edge]) -> None:
    db.conn.executemany(EDGE_INSERT + "values (?, ?, ?, ?)", edges)


# ---- metrics ----------------------------------------------------------------------

def metric_inputs(db: sqlite_utils.Database) -> tuple[list[str], "np.ndarray", "np.ndarray", "np.ndarray"]:
    """The stored graph as numbers for kb.graph.metrics: the node ids in id order, the
    group of each node (its claim cluster, else itself) and the edges as arrays of node
    positions, read as a stream: no Python object per edge is kept."""
    import numpy as np

    ids: list[str] = []
    group: list[int] = []
    groups: dict[tuple, int] = {}
    for i, (node, cluster) in enumerate(db.execute("select id, cluster_id from nodes order by id")):
        ids.append(node)
        group.append(groups.setdefault(("cluster", cluster) if cluster is not None else ("node", i), len(groups)))
    index = {node: i for i, node in enumerate(ids)}
    ends = np.fromiter((index[end] for pair in db.execute("select source, target from edges order by id")
                        for end in pair), dtype=np.int64)
    return ids, np.asarray(group, dtype=np.int64), ends[0::2], ends[1::2]


def write_metrics(db: sqlite_utils.Database, ids: list[str], metrics: tuple[list, list, list]) -> None:
    """Set degree, pagerank and community of the nodes `ids` (lists in their order)."""
    db.conn.executemany("update nodes set degree = ?, pagerank = ?, community = ? where id = ?", zip(*metrics, ids))


def store_metrics(db: sqlite_utils.Database) -> None:
    """Compute degree, pagerank and community of every stored node."""
    ids, *inputs = metric_inputs(db)
    write_metrics(db, ids, _metrics(*inputs))
    set_state(db, metrics_at=now())


def update_metrics(db_path: str) -> dict:
    """`kb graph --metrics`: recompute degree, PageRank and communities of the stored graph."""

    db = open_db(db_path)
    try:
        if "nodes" not in db.table_names():
            raise LookupError("no graph in this database: run kb graph --rebuild")
        with transaction(db):
            store_metrics(db)
        return counts(db)
    finally:
        db.close()


# ---- full rebuild ----------------------------------------------------------------------

def build_all(db: sqlite_utils.Database, jobs: int = 1, clusters: tuple | None = None) -> None:
    """Drop and build every graph table, metrics included (inside a transaction): SQLite
    draws the nodes and most edges, the metrics are written last. With jobs > 1 the
    metrics (PageRank and Louvain, and importing scipy and igraph for them) are computed
    in a forked process while this one indexes the tables. `clusters`: the claim
    clusters of every claim (what kb.graph.clusters.compute_clusters returns), computed
    before (rebuild with jobs > 1, while a forked process builds the indexes); by default
    they are computed here."""
    from .schema import TABLES

    drop_graph_tables(db)
    create_graph_tables(db, indexes=False)  # filled first, indexed after
    set_scope(db, None)
    insert_own_edges(db)
    store_clusters(db, *(clusters or compute_clusters(db)))
    insert_scope_nodes(db)  # degree 0 until the metrics are written
    insert_copy_edges(db)
    insert_edges(db, rebuild_targets(db))
    ids, *inputs = metric_inputs(db)
    with _started(_metrics, *inputs, fork=jobs > 1) as metrics:
        create_indexes(db, [t for t in TABLES if t != "nodes"])
        write_metrics(db, ids, metrics())
    create_indexes(db, ["nodes"])
    stamp = now()
    set_state(db, version=GRAPH_VERSION, rebuilt_at=stamp, updated_at=stamp, metrics_at=stamp)


def _metrics(group: "np.ndarray", src: "np.ndarray", dst: "np.ndarray") -> tuple[list, list, list]:
    # scipy and igraph: imported only here (with jobs > 1, in the forked process)
    from .metrics import compute_metrics

    return compute_metrics(group, src, dst)


def _started(fn: Callable, *args, fork: bool = True) -> "Started":
    """fn(*args) started in a forked process (with `fork`, else run when asked for):
    calling the result waits for it; leaving it as a context stops an unfinished child."""
    from .forked import Started

    return Started(fn, *args, fork=fork)


def rebuild(db_path: str, jobs: int = 1) -> dict:
    """Recompute the claim clusters and the graph of the database at `db_path` from
    scratch, in one transaction; returns node and edge counts by kind. jobs > 1: the
    indexes a bulk load left are built, and later the metrics computed, in second
    processes (build_all)."""

    db = connect(db_path)
    try:
        ensure_schema(db, indexes=False)  # the tables both processes use
        # every claim is committed: a forked process builds the indexes a bulk load left
        # and signs the later half of the distinct claim texts, while this one signs and
        # places the earlier half (reading only: WAL lets it). Only the signatures come
        # back (numpy arrays, a few MB): clustering in the forked process instead cost more
        # than it saved, its result (some 30 MB pickled for 2,000 articles) slow to send.
        # (With one process the claims are clustered inside the rebuild's transaction.)
        clusters = None
        if jobs > 1:
            set_scope(db, None)
            claims = claims_in_scope(db)
            texts = distinct_texts(claims)
            later = texts[len(texts) // 2:]
            with _started(_index_and_sign_at, db_path, later) as forked:
                presigned = PresignedTexts(later, forked)
                clusters = compute_clusters(db, claims, presigned)
                presigned.arrays()  # the indexes are built, whether or not a later text was placed
        ensure_schema(db)
        # The rows are built consistent; checking a million edges against nodes one by
        # one (and emptying the old tables row by row before dropping them, which SQLite
        # does when foreign keys are on) took a fifth of the time.
        db.execute("PRAGMA foreign_keys = OFF")
        with transaction(db), gc_paused():
            build_all(db, jobs, clusters)
        db.execute("PRAGMA foreign_keys = ON")
        return counts(db)
    finally:
        db.close()


def _index_and_sign_at(db_path: str, texts: list[tuple[str, str]]) -> tuple["np.ndarray", "np.ndarray"]:
    """Build the indexes a bulk load left, through a connection of its own (in a forked
    process: never the parent's), and return sign_texts(texts)."""
    open_db(db_path).close()
    return sign_texts(texts)


@contextmanager
def gc_paused():
    """No cyclic garbage collection inside: a rebuild makes millions of small tuples,
    which the collector would scan again and again, and no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def counts(db: sqlite_utils.Database) -> dict:
    """Stored nodes and edges by kind."""
    return {table: dict(_q(db, f"select kind, count(*) from [{table}] group by kind order by kind"))
            for table in ("nodes", "edges")}


def graph_state(db_path: str) -> dict | None:
    """The stored graph's counts and state (graph_state rows), None when there is none."""
    from .schema import is_current

    db = sqlite_utils.Database(db_path)
    try:
        if "nodes" not in db.table_names() or "graph_state" not in db.table_names():
            return None
        state = dict(_q(db, "select key, value from graph_state order by key"))
        return {**counts(db), "state": state, "current": is_current(db)}
    finally:
        db.close()
