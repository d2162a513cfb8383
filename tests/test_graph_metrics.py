"""Global graph metrics (kb/graph/metrics.py) on the graph of corpus/: PageRank as networkx
defines it, and Louvain communities as good as networkx's, fixed by their seed."""
from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest
import sqlite_utils
from click.testing import CliRunner

from conftest import copy_db
from kb.cli import cli
from kb.graph.build import metric_inputs
from kb.graph.metrics import communities, pagerank


@pytest.fixture(scope="module")
def inputs(kb_path, tmp_path_factory):
    """(node ids, group, src, dst) of the corpus graph."""
    path = copy_db(kb_path, tmp_path_factory.mktemp("metrics") / "kb.db")
    result = CliRunner().invoke(cli, ["graph", "--rebuild", "--db", str(path)])
    assert result.exit_code == 0, result.output
    db = sqlite_utils.Database(path)
    try:
        return metric_inputs(db)
    finally:
        db.close()


def undirected(n: int, src: np.ndarray, dst: np.ndarray) -> nx.Graph:
    """The graph as Louvain sees it: undirected, parallel edges adding up to a weight."""
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for a, b in zip(src.tolist(), dst.tolist()):
        w = g.get_edge_data(a, b, {"weight": 0})["weight"]
        g.add_edge(a, b, weight=w + 1)
    return g


def partition(labels) -> list[set[int]]:
    found: dict[int, set[int]] = {}
    for node, label in enumerate(labels):
        found.setdefault(int(label), set()).add(node)
    return list(found.values())


def test_pagerank_is_networkx_pagerank(inputs):
    _ids, group, src, dst = inputs
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(len(group)))
    g.add_edges_from(zip(src.tolist(), dst.tolist()))
    expected = nx.pagerank(g, alpha=0.85)
    ours = pagerank(len(group), src, dst)
    assert ours == pytest.approx([expected[i] for i in range(len(group))], abs=1e-9)


def test_communities_are_as_modular_as_networkx_louvain(inputs):
    """igraph's Louvain on the contracted graph (claim clusters as one node) against
    networkx's on the same contracted graph, scored on the whole graph."""
    _ids, group, src, dst = inputs
    ours = communities(len(group), src, dst, group)
    contracted = undirected(int(group.max()) + 1, group[src], group[dst])
    theirs = nx.community.louvain_communities(contracted, seed=42)
    theirs_by_node = np.empty(len(contracted), dtype=np.int64)
    for k, members in enumerate(theirs):
        theirs_by_node[list(members)] = k
    whole = undirected(len(group), src, dst)
    q_ours = nx.community.modularity(whole, partition(ours))
    q_theirs = nx.community.modularity(whole, partition(theirs_by_node[group]))
    assert q_ours > 0.3  # a graph of articles about distinct topics has communities
    assert q_ours >= 0.97 * q_theirs
    # a claim cluster never straddles two communities
    assert all(len(set(ours[group == g].tolist())) == 1 for g in np.unique(group))
    # numbered by size, largest first
    sizes = np.bincount(ours)
    assert list(sizes) == sorted(sizes, reverse=True)


def test_communities_depend_on_their_seed_only(inputs):
    _ids, group, src, dst = inputs
    random.seed(1)
    first = communities(len(group), src, dst, group)
    random.seed(2)
    state = random.getstate()
    again = communities(len(group), src, dst, group)
    assert random.getstate() == state  # the caller's random numbers are left alone
    assert first.tolist() == again.tolist()
