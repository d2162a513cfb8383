"""The knowledge base as a graph: articles, claims, subjects, entities and laws as nodes,
and what links them as edges (networkx MultiDiGraph), stored back for Datasette as the
tables `nodes` and `edges` and exported as GraphML, GEXF or node-link JSON.

Nodes are named `<kind>:<id>` (article:<id>, claim:<id>, entity:<id>, law:<id>,
subject:<name>) and carry `kind` and `label`. Edge kinds:

- contains     article → claim
- about        claim → subject
- mentions     claim → entity (an entity mentioned in the claim's sentence)
- cites        claim → law (claim_laws)
- next         procedure step → the next distinct step of the same process in the same
               article (the first claim of each step stands for the step)
- addresses    mitigation → risk of the same article whose subject is the mitigation's
               subject or is named in the mitigation's heading path (the nearest such
               risk claim: the closest one before it, else the closest one after it)
- contradicts  a legal (illegal) legality claim → the earliest illegal (legal) claim about
               the same subject in another article: linear in the claims, where every
               pair would grow quadratically in a corpus of copied articles
- same         claim → the canonical claim of its cluster (kb/clusters.py) when the two
               are in different articles: the same assertion copied or spun elsewhere
- duplicate_of article → the earlier article it is a near-duplicate copy of

Every query groups by article or by subject, so building stays linear in the claims
(apart from the contradicting pairs themselves).
"""
from __future__ import annotations

import bisect
import json
from collections import defaultdict
from pathlib import Path

import networkx as nx
import sqlite_utils

from .clusters import rebuild_clusters

NODE_COLUMNS = {"id": str, "kind": str, "label": str, "claim_id": int, "entity_id": str, "law_id": str,
                "article_id": str, "type": str, "stance": str, "status": str,
                "degree": int, "pagerank": float, "community": int}
EDGE_COLUMNS = {"id": int, "source": str, "target": str, "kind": str, "article_id": str}
SEED = 42
FORMATS = ("graphml", "gexf", "json")


def ensure_graph_schema(db: sqlite_utils.Database, drop: bool = False) -> None:
    """Create the `nodes` and `edges` tables (dropping them first with `drop`)."""
    if drop:
        db.execute("drop table if exists edges")
        db.execute("drop table if exists nodes")
    names = set(db.table_names())
    if "nodes" not in names:
        db["nodes"].create(NODE_COLUMNS, pk="id")
        for cols in (["kind"], ["community"], ["article_id"]):
            db["nodes"].create_index(cols, if_not_exists=True)
    if "edges" not in names:
        db["edges"].create(EDGE_COLUMNS, pk="id",
                           foreign_keys=[("source", "nodes", "id"), ("target", "nodes", "id")])
        for cols in (["kind"], ["source"], ["target"], ["article_id"]):
            db["edges"].create_index(cols, if_not_exists=True)


def _q(db: sqlite_utils.Database, sql: str, params=()) -> list[tuple]:
    return db.execute(sql, list(params)).fetchall()


def build_graph(db: sqlite_utils.Database) -> nx.MultiDiGraph:
    """The graph of the knowledge base in `db`, built in a deterministic order."""
    g = nx.MultiDiGraph()

    def add_node(node: str, **attrs) -> None:
        g.add_node(node, **{k: v for k, v in attrs.items() if v is not None})

    def add_edge(src: str, dst: str, kind: str, article_id: str | None = None) -> None:
        attrs = {"kind": kind}
        if article_id is not None:
            attrs["article_id"] = article_id
        g.add_edge(src, dst, **attrs)

    # nodes
    for aid, title, source in _q(db, "select id, title, source from articles order by id"):
        add_node(f"article:{aid}", kind="article", label=title or Path(source or aid).name, article_id=aid)
    for eid, name, ekind in _q(db, "select id, name, kind from entities order by id"):
        add_node(f"entity:{eid}", kind="entity", label=name or eid, entity_id=eid, type=ekind)
    for lid, name, status in _q(db, "select id, name, status from laws order by id"):
        add_node(f"law:{lid}", kind="law", label=name or lid, law_id=lid, status=status)
    for (subject,) in _q(db, "select distinct subject from claims where subject is not null and subject != '' "
                             "order by subject"):
        add_node(f"subject:{subject}", kind="subject", label=subject)
    claims = _q(db, "select id, article_id, type, stance, subject, text from claims order by article_id, id")
    for cid, aid, ctype, stance, subject, text in claims:
        add_node(f"claim:{cid}", kind="claim", label=text or "", claim_id=cid, article_id=aid,
                 type=ctype, stance=stance)

    # article → claim, claim → subject
    for cid, aid, _t, _s, subject, _x in claims:
        add_edge(f"article:{aid}", f"claim:{cid}", "contains", aid)
        if subject:
            add_edge(f"claim:{cid}", f"subject:{subject}", "about", aid)
    # claim → entity through the claim's sentence
    for cid, eid, aid in _q(db, "select distinct c.id, m.entity_id, c.article_id from claims c "
                                "join mentions m on m.sentence_id = c.sentence_id "
                                "where m.entity_id is not null order by c.article_id, c.id, m.entity_id"):
        add_edge(f"claim:{cid}", f"entity:{eid}", "mentions", aid)
    # claim → law
    for cid, lid, aid in _q(db, "select cl.claim_id, cl.law_id, c.article_id from claim_laws cl "
                                "join claims c on c.id = cl.claim_id order by c.article_id, cl.claim_id, cl.law_id"):
        add_edge(f"claim:{cid}", f"law:{lid}", "cites", aid)
    # step → next step: the first claim of each (article, process, step), in step order
    steps = _q(db, "select article_id, process, step, min(claim_id) from procedure_steps "
                   "where claim_id is not null group by article_id, process, step "
                   "order by article_id, process, step")
    for prev, cur in zip(steps, steps[1:]):
        if prev[:2] == cur[:2] and prev[2] != cur[2] and prev[3] != cur[3]:
            add_edge(f"claim:{prev[3]}", f"claim:{cur[3]}", "next", cur[0])
    _add_addresses(db, add_edge)
    _add_contradictions(db, add_edge)
    if "claim_cluster_members" in db.table_names():
        for cid, canon, aid in _q(db, "select m.claim_id, k.canonical_claim_id, c.article_id "
                                      "from claim_cluster_members m join claim_clusters k on k.id = m.cluster_id "
                                      "join claims c on c.id = m.claim_id join claims cc on cc.id = k.canonical_claim_id "
                                      "where c.article_id != cc.article_id order by m.claim_id"):
            add_edge(f"claim:{cid}", f"claim:{canon}", "same", aid)
    for aid, dup in _q(db, "select id, duplicate_of from articles where duplicate_of is not null order by id"):
        if g.has_node(f"article:{dup}"):
            add_edge(f"article:{aid}", f"article:{dup}", "duplicate_of", aid)
    return g


def _add_addresses(db: sqlite_utils.Database, add_edge) -> None:
    rows = _q(db, "select c.article_id, c.id, c.type, c.subject, s.heading_path from claims c "
                  "left join sentences s on s.id = c.sentence_id "
                  "where c.type in ('risk', 'mitigation') order by c.article_id, c.id")
    by_article: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        by_article[row[0]].append(row)
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
            for rid in sorted(targets):
                add_edge(f"claim:{cid}", f"claim:{rid}", "addresses", aid)


def _add_contradictions(db: sqlite_utils.Database, add_edge) -> None:
    """Each legal/illegal claim about a contested subject → the earliest claim of the
    opposite stance about it in another article. Linear in the claims: every pair would
    grow quadratically with a corpus of copied articles."""
    rows = _q(db, "select subject, stance, id, article_id from claims where type = 'legality' "
                  "and stance in ('legal', 'illegal') and subject is not null and subject != '' "
                  "and subject in (select subject from claims where type = 'legality' and stance in ('legal', 'illegal') "
                  "group by subject having count(distinct stance) = 2) order by subject, id")
    groups: dict[str, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: {"legal": [], "illegal": []})
    for subject, stance, cid, aid in rows:
        groups[subject][stance].append((cid, aid))
    for g in groups.values():
        for stance, other in (("legal", "illegal"), ("illegal", "legal")):
            for cid, aid in g[stance]:
                # the scan stops at the first claim of another article
                target = next((oid for oid, oaid in g[other] if oaid != aid), None)
                if target is not None:
                    add_edge(f"claim:{cid}", f"claim:{target}", "contradicts", None)


def compute_metrics(g: nx.MultiDiGraph, seed: int = SEED) -> None:
    """Set `degree`, `pagerank` and `community` on every node of `g`."""
    if g.number_of_nodes() == 0:
        return
    pagerank = nx.pagerank(g)
    # Louvain iterates over sets of nodes: with string nodes their order (and so the
    # communities) would change with PYTHONHASHSEED, so it runs on integer labels
    names = list(g.nodes)
    undirected = nx.Graph()
    undirected.add_nodes_from(range(len(names)))
    index = {n: i for i, n in enumerate(names)}
    undirected.add_edges_from((index[u], index[v]) for u, v in g.edges())
    communities = nx.algorithms.community.louvain_communities(undirected, seed=seed)
    # number communities by size, ties by their first node, so the numbers are stable
    ordered = sorted((sorted(c) for c in communities), key=lambda c: (-len(c), c[0]))
    community = {names[i]: k for k, c in enumerate(ordered) for i in c}
    for n, deg in g.degree():
        g.nodes[n]["degree"] = deg
        g.nodes[n]["pagerank"] = round(pagerank[n], 12)
        g.nodes[n]["community"] = community[n]


def graph_from_db(db: sqlite_utils.Database, metrics: bool = True) -> nx.MultiDiGraph:
    g = build_graph(db)
    if metrics:
        compute_metrics(g)
    return g


def store_graph(db: sqlite_utils.Database, g: nx.MultiDiGraph) -> dict:
    """Replace the `nodes` and `edges` tables with `g`. Returns counts."""
    node_cols = set(NODE_COLUMNS)
    with db.conn:
        ensure_graph_schema(db, drop=True)
        db["nodes"].insert_all(({"id": n, **{k: v for k, v in a.items() if k in node_cols}}
                                for n, a in g.nodes(data=True)), batch_size=1000)
        db["edges"].insert_all(({"id": i, "source": u, "target": v, "kind": a["kind"],
                                 "article_id": a.get("article_id")}
                                for i, (u, v, a) in enumerate(g.edges(data=True), start=1)), batch_size=1000)
    return {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()}


def rebuild(db_path: str) -> dict:
    """Recompute the graph of the database at `db_path` and store it."""
    from .db import open_db

    db = open_db(db_path)
    try:
        rebuild_clusters(db)
        g = graph_from_db(db)
        store_graph(db, g)
        return counts(g)
    finally:
        db.close()


def counts(g: nx.MultiDiGraph) -> dict:
    nodes: dict[str, int] = defaultdict(int)
    edges: dict[str, int] = defaultdict(int)
    for _n, a in g.nodes(data=True):
        nodes[a["kind"]] += 1
    for _u, _v, a in g.edges(data=True):
        edges[a["kind"]] += 1
    return {"nodes": dict(sorted(nodes.items())), "edges": dict(sorted(edges.items()))}


def _clean(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy with no None attribute values (GraphML and GEXF refuse them)."""
    h = nx.MultiDiGraph()
    for n, a in g.nodes(data=True):
        h.add_node(n, **{k: v for k, v in a.items() if v is not None})
    for u, v, k, a in g.edges(keys=True, data=True):
        h.add_edge(u, v, key=k, **{k2: v2 for k2, v2 in a.items() if v2 is not None})
    return h


def export_graph(g: nx.MultiDiGraph, fmt: str, path) -> None:
    """Write `g` as graphml, gexf or json (networkx node-link data) to a path or binary file."""
    g = _clean(g)
    if fmt == "graphml":
        nx.write_graphml(g, path)
    elif fmt == "gexf":
        nx.write_gexf(g, path)
    elif fmt == "json":
        text = json.dumps(nx.node_link_data(g, edges="edges"), ensure_ascii=False, indent=1)
        if hasattr(path, "write"):
            path.write(text.encode("utf-8"))
        else:
            Path(path).write_text(text, encoding="utf-8")
    else:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")


def read_graph(path, fmt: str) -> nx.MultiDiGraph:
    """Read back a graph written by export_graph."""
    if fmt == "graphml":
        return nx.read_graphml(path, force_multigraph=True)
    if fmt == "gexf":
        return nx.read_gexf(path)
    if fmt == "json":
        return nx.node_link_graph(json.loads(Path(path).read_text(encoding="utf-8")), edges="edges")
    raise ValueError(f"unknown format {fmt!r}")
