"""Global metrics of the graph: degree, PageRank and Louvain communities, computed from
arrays of node positions with numpy and scipy (no networkx graph of a million edges is
built; networkx runs Louvain on the contracted graph only). Imported only by a full
rebuild and `kb graph --metrics`: these imports cost `kb ingest` a third of a second."""
from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

SEED = 42


def pagerank(n: int, src: np.ndarray, dst: np.ndarray, alpha: float = 0.85, max_iter: int = 100,
             tol: float = 1e-6) -> np.ndarray:
    """PageRank of nodes 0..n-1 over directed (multi)edges src → dst: networkx's
    pagerank (scipy power iteration, dangling nodes spread evenly), without building a
    networkx graph of a million edges."""
    a = sp.csr_array((np.ones(len(src)), (src, dst)), shape=(n, n))  # parallel edges add up
    out = np.asarray(a.sum(axis=1)).ravel()
    scale = np.divide(1.0, out, out=np.zeros(n), where=out != 0)
    a = sp.dia_array((scale, 0), shape=(n, n)).tocsr() @ a
    dangling = out == 0
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        last = x
        x = alpha * (x @ a + x[dangling].sum() / n) + (1 - alpha) / n
        if np.abs(x - last).sum() < n * tol:
            return x
    raise nx.PowerIterationFailedConvergence(max_iter)


def communities(n: int, src: np.ndarray, dst: np.ndarray, group: np.ndarray, seed: int = SEED) -> np.ndarray:
    """Community number of nodes 0..n-1: Louvain (networkx, fixed seed) on the undirected
    graph with the nodes of each group (a claim cluster) contracted into one weighted node;
    numbered by size, largest first, ties by their first node."""
    size = int(group.max()) + 1 if n else 0
    a, b = np.minimum(group[src], group[dst]), np.maximum(group[src], group[dst])
    pairs, weights = np.unique(a.astype(np.int64) * size + b, return_counts=True)
    contracted = nx.Graph()
    # integer nodes: Louvain iterates over sets of nodes, whose order for strings would
    # change with PYTHONHASHSEED
    contracted.add_nodes_from(range(size))
    contracted.add_weighted_edges_from(zip((pairs // size).tolist(), (pairs % size).tolist(), weights.tolist()))
    found = nx.algorithms.community.louvain_communities(contracted, seed=seed)
    label = np.empty(size, dtype=np.int64)
    for k, members in enumerate(found):
        label[list(members)] = k
    of_node = label[group]
    sizes = np.bincount(of_node, minlength=len(found))
    first = np.full(len(found), n)
    np.minimum.at(first, of_node, np.arange(n))
    order = sorted(range(len(found)), key=lambda k: (-sizes[k], first[k]))
    renumber = np.empty(len(found), dtype=np.int64)
    renumber[order] = np.arange(len(found))
    return renumber[of_node]


def compute_metrics(group: np.ndarray, src: np.ndarray, dst: np.ndarray) -> tuple[list[int], list[float], list[int]]:
    """(degree, pagerank, community) lists of nodes 0..n-1, from the group of each node
    (nodes of one claim cluster share a group) and the edges src → dst."""
    n = len(group)
    if n == 0:
        return [], [], []
    degree = np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)
    rank = [round(r, 12) for r in pagerank(n, src, dst).tolist()]
    return degree.tolist(), rank, communities(n, src, dst, group).tolist()
