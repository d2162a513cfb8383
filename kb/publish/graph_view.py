"""A graph node's neighbourhood, depth 1 or 2, as Cytoscape.js elements (served as
/-/graph.json and drawn by /-/graph with the Cytoscape.js vendored in static/). Large
neighbourhoods are cut at `limit` edges and say how many there are: nothing is capped in
silence."""
from __future__ import annotations

DEFAULT_LIMIT = 80
MAX_LIMIT = 2000
KINDS = ("article", "claim", "subject", "law", "entity")


def clamp_limit(value: str | None) -> int:
    try:
        return max(1, min(MAX_LIMIT, int(value))) if value else DEFAULT_LIMIT
    except ValueError:
        return DEFAULT_LIMIT


async def neighbourhood(db, center: str, depth: int = 1, limit: int = DEFAULT_LIMIT,
                        kinds: set[str] | None = None) -> dict | None:
    """{'center', 'nodes', 'edges', 'shown_edges', 'total_edges', 'limit', 'depth'}, or None
    when `center` is no node. `kinds`: only neighbours of these kinds."""
    found = (await db.execute("select id, kind, label from nodes where id = ?", [center])).rows
    if not found:
        return None
    nodes = {center: dict(found[0])}
    edges: list[dict] = []
    total = 0
    expanded = {center}
    for level in range(max(1, min(2, depth))):
        if level:
            expanded |= set(nodes)  # depth 2: the neighbours' edges too
        total, rows = await _edges_touching(db, center, sorted(expanded), limit, kinds)
        nodes = {center: nodes[center]}
        edges = []
        for r in rows:
            edges.append({"source": r["source"], "target": r["target"], "kind": r["kind"]})
            for node, kind, label in ((r["source"], r["sk"], r["sl"]), (r["target"], r["tk"], r["tl"])):
                nodes.setdefault(node, {"id": node, "kind": kind, "label": label})
    for n in nodes.values():
        n["page"] = node_page(n["id"])
    return {"center": center, "depth": depth, "limit": limit, "nodes": list(nodes.values()),
            "edges": edges, "shown_edges": len(edges), "total_edges": total}


def edges_touching_sql(center: str, ids: list[str], limit: int, kinds: set[str] | None) -> tuple[str, str, dict]:
    """(count SQL, rows SQL, parameters) of the edges touching `ids`: the center's first,
    `limit` of them; with `kinds`, only those whose other end is of these kinds."""
    params: dict = {f"n{i}": n for i, n in enumerate(ids)}
    in_ids = ", ".join(":" + k for k in params)
    where = f"(e.source in ({in_ids}) or e.target in ({in_ids}))"
    if kinds:
        kind_params = {f"k{i}": k for i, k in enumerate(sorted(kinds))}
        params.update(kind_params)
        in_kinds = ", ".join(":" + k for k in kind_params)
        where += (f" and (s.kind in ({in_kinds}) or s.id = :center) and (t.kind in ({in_kinds}) "
                  f"or t.id = :center)")
    params["center"] = center
    join = "from edges e join nodes s on s.id = e.source join nodes t on t.id = e.target"
    rows = (f"select e.source, e.target, e.kind, s.kind as sk, s.label as sl, t.kind as tk, t.label as tl {join} "
            f"where {where} order by (e.source = :center or e.target = :center) desc, e.kind, e.id limit {int(limit)}")
    return f"select count(*) {join} where {where}", rows, params


async def _edges_touching(db, center: str, ids: list[str], limit: int, kinds: set[str] | None):
    """(how many edges touch `ids`, the first `limit` of them: the center's first)."""
    count_sql, rows_sql, params = edges_touching_sql(center, ids, limit, kinds)
    total = (await db.execute(count_sql, params)).rows[0][0]
    return total, (await db.execute(rows_sql, params)).rows


def node_page(node: str) -> str | None:
    """The page that shows a node itself (a claim's provenance, an article's reader)."""
    kind, _, rest = node.partition(":")
    if kind == "claim" and rest.isdigit():
        return f"/-/claim/{rest}"
    if kind == "article" and rest:
        return f"/-/article/{rest}"
    return None
