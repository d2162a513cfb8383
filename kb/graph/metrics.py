"""Global metrics of the graph: degree, PageRank and Louvain communities, computed from
arrays of node positions: PageRank with numpy and scipy (networkx's definition, without a
networkx graph of a million edges), Louvain with igraph (its C implementation of Blondel
et al.: networkx's, in Python, took 0.7 s of a 2,000-article rebuild and grows with the
corpus). Imported only by a full rebuild and `kb graph --metrics`: these imports cost
`kb ingest` a sixth of a second."""
from __future__ import annotations

import random

import igraph
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
    raise RuntimeError(f"PageRank did not converge in {max_iter} iterations")


def communities(n: int, src: np.ndarray, dst: np.ndarray, group: np.ndarray, seed: int = SEED) -> np.ndarray:
    """Community number of nodes 0..n-1: Louvain (igraph's multilevel, fixed seed) on the
    undirected graph with the nodes of each group (a claim cluster) contracted into one
    weighted node; numbered by size, largest first, ties by their first node."""
    size = int(group.max()) + 1 if n else 0
    a, b = np.minimum(group[src], group[dst]), np.maximum(group[src], group[dst])
    pairs, weights = np.unique(a.astype(np.int64) * size + b, return_counts=True)
    contracted = igraph.Graph(n=size, edges=list(zip((pairs // size).tolist(), (pairs % size).tolist())),
                              edge_attrs={"weight": weights.tolist()})
    igraph.set_random_number_generator(random.Random(seed))  # it shuffles the nodes it visits
    try:
        label = np.asarray(contracted.community_multilevel(weights="weight").membership, dtype=np.int64)
    finally:
        igraph.set_random_number_generator(random)
    found = int(label.max()) + 1 if size else 0
    of_node = label[group]
    sizes = np.bincount(of_node, minlength=found)
    first = np.full(found, n)
    np.minimum.at(first, of_node, np.arange(n))
    order = sorted(range(found), key=lambda k: (-sizes[k], first[k]))
    renumber = np.empty(found, dtype=np.int64)
    renumber[order] = np.arange(found)
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
