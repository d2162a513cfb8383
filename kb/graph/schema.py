"""The tables of the graph and of the claim clusters, in one place.

Foreign keys to `claims` cascade (cluster membership) or become null (a cluster's
canonical claim), so that replacing an article (kb.store.articles.delete_article) never fails on
them; the graph update then repairs or rebuilds what the removed article left behind.
The lookup tables of the incremental update (claim_cluster_lsh, claim_cluster_signatures,
stance_targets) carry no foreign keys: the graph update removes their rows itself.
"""
from __future__ import annotations

import datetime as _dt

import sqlite_utils

# Bump when the definition of nodes, edges or clusters changes: a database built with
# another version is rebuilt in full by the next update instead of being extended.
GRAPH_VERSION = "6"  # 4: LSH band keys of claim clusters computed with numpy (splitmix64); 5: claims signed with extract.fingerprint's polynomial shingle hash, without list numbers and labels; 6: band keys of clusters founded since the last rebuild in claim_cluster_lsh_recent

TABLES = {
    "graph_state": "key text primary key, value text",
    "nodes": ("id text primary key, kind text, label text, claim_id integer, entity_id text, law_id text, "
              "article_id text, type text, stance text, status text, cluster_id integer, degree integer, "
              "pagerank float, community integer"),
    "edges": ("id integer primary key, source text references nodes(id), target text references nodes(id), "
              "kind text, article_id text"),
    "claim_clusters": ("id integer primary key, type text, subject text, "
                       "canonical_claim_id integer references claims(id) on delete set null, canonical_text text, "
                       "n_claims integer, n_articles integer, n_independent_articles integer"),
    "claim_cluster_members": ("claim_id integer primary key references claims(id) on delete cascade, "
                              "cluster_id integer references claim_clusters(id), article_id text, "
                              "independent_article_id text"),
    "claim_cluster_lsh": "key integer, cluster_id integer",
    # the band keys of clusters founded since the last rebuild (kb.graph.clusters.SqlLeaderIndex)
    "claim_cluster_lsh_recent": "key integer, cluster_id integer",
    "claim_cluster_signatures": "cluster_id integer primary key, minhash blob",
    "stance_targets": ("claim_id integer primary key, article_id text, independent_article_id text, "
                       "subject text, stance text, cluster_id integer"),
}
INDEXES = {
    "nodes": [["kind", "article_id"], ["community"], ["article_id"]],
    "edges": [["kind"], ["source"], ["target"], ["article_id"]],
    "claim_clusters": [["n_independent_articles"], ["canonical_claim_id"]],
    "claim_cluster_members": [["cluster_id", "independent_article_id"], ["article_id"]],
    # by key only: a removed cluster's rows are found by its band keys (clusters.unindex_clusters)
    "claim_cluster_lsh": [["key"]],
    "claim_cluster_lsh_recent": [["key"]],
    "stance_targets": [["subject", "stance", "claim_id"], ["subject", "stance", "cluster_id"], ["article_id"]],
}
# children first: the order tables are dropped in
DROP_ORDER = ["edges", "nodes", "claim_cluster_members", "claim_cluster_lsh", "claim_cluster_lsh_recent",
              "claim_cluster_signatures",
              "stance_targets", "claim_clusters", "graph_state"]


def create_graph_tables(db: sqlite_utils.Database, indexes: bool = True) -> None:
    """Create the graph tables that are missing (and their indexes with `indexes`)."""
    for name, columns in TABLES.items():
        db.execute(f"create table if not exists [{name}] ({columns})")
    if indexes:
        create_indexes(db)


def create_indexes(db: sqlite_utils.Database, tables: list[str] | None = None) -> None:
    """Create the missing indexes of the graph tables (of `tables` only, if given)."""
    for table, indexes in INDEXES.items():
        if tables is not None and table not in tables:
            continue
        for cols in indexes:
            db.execute(f"create index if not exists [idx_{table}_{'_'.join(cols)}] on [{table}] "
                       f"({', '.join(f'[{c}]' for c in cols)})")


def drop_graph_tables(db: sqlite_utils.Database) -> None:
    for name in DROP_ORDER:
        db.execute(f"drop table if exists [{name}]")


def columns_of(table: str) -> list[str]:
    return [part.split()[0] for part in TABLES[table].split(", ")]


def is_current(db: sqlite_utils.Database) -> bool:
    """Whether the database holds a graph built by this version of the code (and no
    table of it was made again by other code since)."""
    if not set(TABLES) <= set(db.table_names()) or get_state(db, "version") != GRAPH_VERSION:
        return False
    return all([r[1] for r in db.execute(f"pragma table_info([{t}])")] == columns_of(t) for t in TABLES)


def get_state(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("select value from graph_state where key = ?", [key]).fetchone()
    return row[0] if row else None


def set_state(db: sqlite_utils.Database, **values: str) -> None:
    db.conn.executemany("insert or replace into graph_state (key, value) values (?, ?)", sorted(values.items()))


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


# The claims of the articles in scope. CROSS JOIN makes SQLite start from the scope
# (one article in an update) rather than from an index on type or subject, which it
# would otherwise prefer and scan whole.
SCOPED_CLAIMS = "temp.graph_scope g cross join claims c on c.article_id = g.article_id"


def set_scope(db: sqlite_utils.Database, article_ids: list[str] | None) -> None:
    """Fill temp.graph_scope, the articles whose nodes and edges are being built (None:
    every article). The queries that build them read it, so one definition serves the
    full rebuild and the update for one article."""
    db.execute("create temp table if not exists graph_scope (article_id text primary key)")
    db.execute("delete from temp.graph_scope")
    if article_ids is None:
        db.execute("insert into temp.graph_scope select id from articles")
    else:
        db.conn.executemany("insert into temp.graph_scope values (?)", [(a,) for a in article_ids])
