"""Claim clusters: the same assertion copied and spun across articles, grouped by MinHash
LSH over the claims' normalised text (never all pairs). A cluster counts its articles and
its independent articles (near-duplicate copies of one article count once)."""
from __future__ import annotations

from collections import Counter, defaultdict

import sqlite_utils
from datasketch import MinHashLSH

from extract.fingerprint import estimate_similarity, is_empty, lean_minhash, minhash_signature

THRESHOLD = 0.6  # estimated Jaccard similarity of 5-character shingles
CLUSTER_COLUMNS = {"id": int, "type": str, "subject": str, "canonical_claim_id": int, "canonical_text": str,
                   "n_claims": int, "n_articles": int, "n_independent_articles": int}


def _find(parent: dict[int, int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def group_claims(claims: list[tuple[int, str, str]], threshold: float = THRESHOLD) -> list[list[int]]:
    """Groups of claim ids (id, type, text) whose texts are near-identical, same type only."""
    parent = {cid: cid for cid, _, _ in claims}
    by_type: dict[str, MinHashLSH] = defaultdict(lambda: MinHashLSH(threshold=threshold, num_perm=128))
    signatures = {}
    for cid, ctype, text in claims:
        sig = minhash_signature(text)
        if is_empty(sig):
            continue
        signatures[cid] = sig
        lsh = by_type[ctype]
        for other in lsh.query(lean_minhash(sig)):
            if estimate_similarity(sig, signatures[other]) >= threshold:
                parent[_find(parent, cid)] = _find(parent, other)
        lsh.insert(cid, lean_minhash(sig))
    groups: dict[int, list[int]] = defaultdict(list)
    for cid in parent:
        groups[_find(parent, cid)].append(cid)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def rebuild_clusters(db: sqlite_utils.Database) -> int:
    """Recompute `claim_clusters` and `claim_cluster_members`; returns the number of
    clusters that span more than one article."""
    rows = db.execute("select c.id, c.type, c.text, c.subject, c.article_id, coalesce(a.duplicate_of, a.id) "
                      "from claims c join articles a on a.id = c.article_id order by c.id").fetchall()
    info = {r[0]: r for r in rows}
    clusters, members = [], []
    for n, group in enumerate(group_claims([(r[0], r[1], r[2]) for r in rows]), start=1):
        first = info[group[0]]
        subjects = Counter(info[c][3] for c in group if info[c][3])
        clusters.append({"id": n, "type": first[1], "subject": subjects.most_common(1)[0][0] if subjects else None,
                         "canonical_claim_id": first[0], "canonical_text": first[2], "n_claims": len(group),
                         "n_articles": len({info[c][4] for c in group}),
                         "n_independent_articles": len({info[c][5] for c in group})})
        members.extend({"claim_id": c, "cluster_id": n} for c in group)
    with db.conn:
        db.execute("drop table if exists claim_cluster_members")
        db.execute("drop table if exists claim_clusters")
        db["claim_clusters"].create(CLUSTER_COLUMNS, pk="id", foreign_keys=[("canonical_claim_id", "claims", "id")])
        db["claim_cluster_members"].create({"claim_id": int, "cluster_id": int}, pk="claim_id",
                                           foreign_keys=[("claim_id", "claims", "id"),
                                                         ("cluster_id", "claim_clusters", "id")])
        db["claim_clusters"].insert_all(clusters, batch_size=1000)
        db["claim_cluster_members"].insert_all(members, batch_size=1000)
        db["claim_clusters"].create_index(["n_independent_articles"], if_not_exists=True)
        db["claim_cluster_members"].create_index(["cluster_id"], if_not_exists=True)
    return sum(c["n_articles"] > 1 for c in clusters)
