"""The stored graph (tables nodes and edges) as a networkx graph, written and read back
as GraphML, GEXF or node-link JSON, for Gephi, Cytoscape and notebooks."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from .build import _q

if TYPE_CHECKING:
    import networkx as nx

FORMATS = ("graphml", "gexf", "json")


def graph_from_db(db: sqlite_utils.Database) -> "nx.MultiDiGraph":
    """The stored graph (tables nodes and edges) as a networkx MultiDiGraph; node
    attributes that are null are left out."""
    import networkx as nx

    if "nodes" not in db.table_names():
        raise LookupError("no graph in this database: run kb graph --rebuild")
    g = nx.MultiDiGraph()
    cursor = db.execute("select * from nodes order by id")
    columns = [d[0] for d in cursor.description]
    for row in cursor:
        attrs = {k: v for k, v in zip(columns, row) if v is not None}
        g.add_node(attrs.pop("id"), **attrs)
    for source, target, kind, aid in _q(db, "select source, target, kind, article_id from edges order by id"):
        g.add_edge(source, target, **({"kind": kind, "article_id": aid} if aid is not None else {"kind": kind}))
    return g


def export_graph(g: "nx.MultiDiGraph", fmt: str, path) -> None:
    """Write `g` as graphml, gexf or json (networkx node-link data) to a path or binary file."""
    import networkx as nx

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


def read_graph(path, fmt: str) -> "nx.MultiDiGraph":
    """Read back a graph written by export_graph."""
    import networkx as nx

    if fmt == "graphml":
        return nx.read_graphml(path, force_multigraph=True)
    if fmt == "gexf":
        return nx.read_gexf(path)
    if fmt == "json":
        return nx.node_link_graph(json.loads(Path(path).read_text(encoding="utf-8")), edges="edges")
    raise ValueError(f"unknown format {fmt!r}")
