"""Claim clusters: the same assertion copied and spun across articles, found with MinHash
LSH over the claims' normalised text (never all pairs). A list item's numbering and its
inline label (「3、公安局报案:正常来说,…」) are left out: the same sentence numbered and
labelled in one article and bare in another is one claim.

Leader clustering, in claim id order (the order articles were ingested in): a claim joins
the cluster of the *earliest* canonical claim of its type that shares an LSH band with it
and whose estimated Jaccard similarity to it is at least THRESHOLD; a claim that matches
no canonical claim founds a cluster and becomes its canonical claim (the cluster id is
the canonical claim's id). A claim's cluster therefore depends only on the claims before
it: a new article never moves an earlier claim, so clusters can be extended one article
at a time (kb/graph/update.py) and `kb graph --rebuild` finds the same clusters. Every
member is similar to its canonical claim (a star, not a chain), and identical texts of one
type always share a cluster. Claims with no letters or digits stay alone.

Only canonical claims are indexed: their signatures (`claim_cluster_signatures`) and LSH
band keys (`claim_cluster_lsh`, one row per band, indexed by key; `claim_cluster_lsh_recent` for
the clusters founded since the last rebuild), so placing a new claim is a
few indexed lookups whatever the size of the base.

A cluster counts its claims, its articles and its independent articles (an article and
its near-duplicate copies count once: `independent_article_id`).
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Protocol

import numpy as np
import sqlite_utils

from extract.fingerprint import (NUM_PERM, SHINGLE, estimate_similarity, from_bytes, is_empty, minhash_signature,
                                 minhash_signatures, normalise, to_bytes)
from .schema import SCOPED_CLAIMS

THRESHOLD = 0.6  # estimated Jaccard similarity of 5-character shingles
# datasketch's MinHashLSH optimum for THRESHOLD and NUM_PERM (equal false positive and
# false negative weights): 18 bands of 7 values
BANDS, ROWS = 18, 7


@dataclass(frozen=True)
class Claim:
    id: int
    type: str
    text: str


_MIX = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio: splitmix64's increment


def _splitmix64(h: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: every bit of h moves every bit of the result (uint64, wraps)."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _type_seed(ctype: str) -> int:
    return int.from_bytes(hashlib.blake2b(ctype.encode("utf-8"), digest_size=8).digest(), "little")


def band_keys_of(types: list[str], signatures: np.ndarray) -> np.ndarray:
    """The LSH bucket keys of signatures (rows of an array), one per band, as signed 64-bit
    integers (SQLite INTEGER), computed for all rows at once. The claim type seeds the key:
    only claims of one type are compared."""
    values = np.asarray(signatures, dtype=np.uint64)[:, :BANDS * ROWS].reshape(len(signatures), BANDS, ROWS)
    seeds = np.array([_type_seed(t) for t in types], dtype=np.uint64).reshape(-1, 1)
    h = _splitmix64(seeds + np.arange(1, BANDS + 1, dtype=np.uint64) * _MIX)
    for row in range(ROWS):
        h = _splitmix64(h ^ values[:, :, row])
    return h.view(np.int64)


def band_keys(ctype: str, signature) -> list[int]:
    """`band_keys_of` one signature."""
    return band_keys_of([ctype], np.asarray(signature, dtype=np.uint32).reshape(1, -1))[0].tolist()


class LeaderIndex(Protocol):
    """The canonical claims placed so far: their signatures, found by LSH band key."""

    def candidates(self, keys: list[int]) -> Iterable[tuple[int, np.ndarray]]:
        """(cluster id, canonical signature) of every canonical claim in one of the buckets."""

    def add(self, cluster_id: int, keys: list[int], signature: np.ndarray) -> None:
        """Index a new canonical claim."""


class MemoryLeaderIndex:
    """LeaderIndex in memory, for a full rebuild."""

    def __init__(self) -> None:
        # band key → the cluster id in its bucket, or a list of them when several share it.
        # Nearly every key is one canonical claim's alone: an int each rather than a list
        # each (some 300 keys an article) saves the lists' memory and a third of the time.
        self.buckets: dict[int, int | list[int]] = {}
        self.signatures: dict[int, np.ndarray] = {}

    def candidates(self, keys: list[int]) -> Iterable[tuple[int, np.ndarray]]:
        shared = self.buckets.keys() & keys  # most claims share no band with an earlier canonical claim
        if not shared:
            return []
        found: set[int] = set()
        for key in shared:
            held = self.buckets[key]
            if isinstance(held, list):
                found.update(held)
            else:
                found.add(held)
        return [(cid, self.signatures[cid]) for cid in found]

    def add(self, cluster_id: int, keys: list[int], signature: np.ndarray) -> None:
        self.signatures[cluster_id] = signature
        buckets = self.buckets
        if buckets.keys().isdisjoint(keys):
            buckets.update(dict.fromkeys(keys, cluster_id))
            return
        for key in keys:
            held = buckets.get(key)
            if held is None:
                buckets[key] = cluster_id
            elif isinstance(held, list):
                held.append(cluster_id)
            else:
                buckets[key] = [held, cluster_id]

    def rows(self) -> tuple[list[tuple[int, int]], list[tuple[int, bytes]]]:
        """(key, cluster_id) and (cluster_id, minhash) rows for the tables."""
        lsh = [(key, cid) for key, held in self.buckets.items()
               for cid in (held if isinstance(held, list) else (held,))]
        return lsh, [(cid, to_bytes(sig)) for cid, sig in self.signatures.items()]


# The band keys of the clusters a rebuild found live in claim_cluster_lsh; those of clusters
# founded since, by adding articles, in claim_cluster_lsh_recent, merged into the first once it
# holds LSH_RECENT_MAX rows. The keys are hashes, so every one lands on its own page of a
# large index: adding one article to a 10,000-article base wrote some 1,200 pages of
# claim_cluster_lsh's index (three quarters of its graph update's pages), but a few dozen of
# the small table's; a merge writes each page of the large index about once for thousands
# of claims.
LSH_TABLES = ("claim_cluster_lsh", "claim_cluster_lsh_recent")
LSH_RECENT_MAX = 100_000  # rows (18 a canonical claim): some 300 articles of the genre


class SqlLeaderIndex:
    """LeaderIndex over the tables of LSH_TABLES and claim_cluster_signatures, for adding
    claims to a stored base (indexed lookups, nothing loaded up front)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def candidates(self, keys: list[int]) -> Iterable[tuple[int, np.ndarray]]:
        marks = ", ".join("?" * len(keys))
        found = " union all ".join(f"select cluster_id from {table} where key in ({marks})" for table in LSH_TABLES)
        rows = self.db.execute("select s.cluster_id, s.minhash from claim_cluster_signatures s "
                               f"where s.cluster_id in ({found})", keys * len(LSH_TABLES))
        return [(cid, np.asarray(from_bytes(blob), dtype=np.uint32)) for cid, blob in rows]

    def add(self, cluster_id: int, keys: list[int], signature: np.ndarray) -> None:
        self.db.conn.executemany("insert into claim_cluster_lsh_recent (key, cluster_id) values (?, ?)",
                                 [(key, cluster_id) for key in keys])
        self.db.execute("insert into claim_cluster_signatures (cluster_id, minhash) values (?, ?)",
                        [cluster_id, to_bytes(signature)])


def merge_recent_lsh(db: sqlite_utils.Database) -> None:
    """Move the rows of claim_cluster_lsh_recent into claim_cluster_lsh once it holds more
    than LSH_RECENT_MAX (rows are only appended to it between merges: its last rowid counts them)."""
    (held,) = db.execute("select coalesce(max(rowid), 0) from claim_cluster_lsh_recent").fetchone()
    if held > LSH_RECENT_MAX:
        db.execute("insert into claim_cluster_lsh (key, cluster_id) "
                   "select key, cluster_id from claim_cluster_lsh_recent order by key")
        db.execute("delete from claim_cluster_lsh_recent")


def unindex_clusters(db: sqlite_utils.Database, cluster_ids: list[int]) -> None:
    """Remove the LSH rows of the clusters among `cluster_ids` (those founded by these
    claims): found by the band keys of their stored signatures, through the index the
    lookups use, so that the LSH tables need no second index by cluster (they have a row
    per band of every canonical claim: the largest table of the graph after edges)."""
    marks = ", ".join("?" * len(cluster_ids))
    rows = db.execute(f"select s.cluster_id, c.type, s.minhash from claim_cluster_signatures s "
                      f"join claim_clusters c on c.id = s.cluster_id where s.cluster_id in ({marks}) "
                      "order by s.cluster_id", cluster_ids).fetchall()
    if not rows:
        return
    signatures = np.array([from_bytes(blob) for _cid, _type, blob in rows], dtype=np.uint32)
    keys = band_keys_of([ctype for _cid, ctype, _blob in rows], signatures).tolist()
    pairs = [(key, cid) for (cid, _type, _blob), band in zip(rows, keys) for key in band]
    for table in LSH_TABLES:
        db.conn.executemany(f"delete from {table} where key = ? and cluster_id = ?", pairs)


# a leading list number (1、 (2) 三.) and an inline label of a few words (「公安局报案:」)
_NUMBER_AND_LABEL = re.compile(r"^\s*(?:[(（]?(?:\d{1,2}|[一二三四五六七八九十]{1,3})[)）、.．]\s*)?"
                               r"(?:[^,，。;；:：!?！？]{1,12}[:：])?")


def clustered_text(text: str) -> str:
    """The text of a claim that is signed for clustering: without its list number and
    inline label, unless too little would be left to sign."""
    bare = _NUMBER_AND_LABEL.sub("", text, count=1)
    return bare if bare == text or len(normalise(bare)) >= SHINGLE else text


def place_claim(claim: Claim, index: LeaderIndex, signature=None, keys: list[int] | None = None) -> int:
    """The cluster id of a claim placed after every claim already in `index`: the earliest
    similar canonical claim's, or its own id (the claim becomes canonical and is indexed).
    `signature` and `keys` (its band keys): computed here when not given."""
    sig = np.asarray(minhash_signature(clustered_text(claim.text)) if signature is None else signature,
                     dtype=np.uint32)
    if is_empty(sig):
        return claim.id
    keys = band_keys(claim.type, sig) if keys is None else keys
    similar = [cid for cid, other in index.candidates(keys) if estimate_similarity(sig, other) >= THRESHOLD]
    if similar:
        return min(similar)
    index.add(claim.id, keys, sig)
    return claim.id


_SIGNED_AT_ONCE = 4096  # distinct claim texts signed together: one numpy pass, a few MB


def distinct_texts(claims: Iterable[Claim]) -> list[tuple[str, str]]:
    """The (type, text) pairs of claims, each once, in the order they first occur: what
    is signed and placed (identical texts of a type share a cluster)."""
    return list(dict.fromkeys((c.type, c.text) for c in claims))


def sign_texts(texts: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """The MinHash signatures and band keys (one row each) of (type, text) pairs, signed
    a few thousand at a time."""
    signatures = [minhash_signatures([clustered_text(text) for _type, text in chunk])
                  for chunk in _chunks(texts, _SIGNED_AT_ONCE)]
    signatures = np.concatenate(signatures) if signatures else np.zeros((0, NUM_PERM), dtype=np.uint32)
    return signatures, band_keys_of([ctype for ctype, _text in texts], signatures)


class PresignedTexts:
    """Signatures of (type, text) pairs signed elsewhere (in a forked process while this
    one signs and places the texts before them): `result()` gives sign_texts(texts), and
    is asked for once, when the first of them is to be placed."""

    def __init__(self, texts: list[tuple[str, str]], result: Callable[[], tuple[np.ndarray, np.ndarray]]) -> None:
        self.row = {key: i for i, key in enumerate(texts)}
        self._result = result
        self._arrays: tuple[np.ndarray, np.ndarray] | None = None

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self.row

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._arrays is None:
            self._arrays = self._result()
        return self._arrays

    def __getitem__(self, key: tuple[str, str]) -> tuple[np.ndarray, list[int]]:
        signatures, keys = self.arrays()
        i = self.row[key]
        return signatures[i], keys[i].tolist()


def cluster_claims(claims: Iterable[Claim], index: LeaderIndex | None = None,
                   presigned: PresignedTexts | None = None) -> dict[int, int]:
    """claim id → cluster id for claims given in id order, all after those in `index`.
    Identical texts of a type always land in one cluster (see the module docstring), so
    each distinct text is placed once: content farms repeat sentences thousands of times.
    The texts are signed (MinHash, band keys) a few thousand at a time, unless `presigned`
    has them, then placed one by one in order."""
    index = MemoryLeaderIndex() if index is None else index
    presigned = presigned if presigned is not None else {}
    placed: dict[tuple[str, str], int | None] = {}
    out: dict[int, int] = {}
    for chunk in _chunks(claims, _SIGNED_AT_ONCE):
        new = list(dict.fromkeys((c.type, c.text) for c in chunk
                                 if (c.type, c.text) not in placed and (c.type, c.text) not in presigned))
        signatures, keys = sign_texts(new)
        signed = {key: (sig, k) for key, sig, k in zip(new, signatures, keys.tolist())}
        for claim in chunk:
            key = (claim.type, claim.text)
            if key not in placed:
                sig, k = signed[key] if key in signed else presigned[key]
                placed[key] = None if is_empty(sig) else place_claim(claim, index, sig, k)
            out[claim.id] = placed[key] or claim.id  # a text with no letters or digits stays alone
    return out


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def group_claims(claims: list[tuple[int, str, str]]) -> list[list[int]]:
    """Groups of claim ids from (id, type, text) rows whose texts are near-identical,
    same type only, by leader clustering in id order."""
    clusters = cluster_claims(Claim(*row) for row in sorted(claims))
    groups: dict[int, list[int]] = defaultdict(list)
    for cid, cluster in clusters.items():
        groups[cluster].append(cid)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


# ---- the tables ------------------------------------------------------------------------

def claims_in_scope(db: sqlite_utils.Database) -> list[Claim]:
    """The claims of the articles in temp.graph_scope, in id order."""
    return [Claim(*row) for row in db.execute(
        f"select c.id, c.type, coalesce(c.text, '') from {SCOPED_CLAIMS} order by c.id")]


def store_members(db: sqlite_utils.Database, clusters: dict[int, int]) -> None:
    """Insert claim_clusters rows for the clusters founded by claims in `clusters` (claim
    id → cluster id; counted later) and claim_cluster_members rows for all of them."""
    db.execute("create temp table if not exists graph_placed (claim_id integer primary key, cluster_id integer)")
    db.execute("delete from temp.graph_placed")
    db.conn.executemany("insert into temp.graph_placed values (?, ?)", sorted(clusters.items()))
    db.execute("insert into claim_clusters (id, type, subject, canonical_claim_id, canonical_text, n_claims, "
               "n_articles, n_independent_articles) select c.id, c.type, null, c.id, c.text, 0, 0, 0 "
               "from temp.graph_placed p cross join claims c on c.id = p.claim_id where p.cluster_id = p.claim_id "
               "order by c.id")
    db.execute("insert into claim_cluster_members (claim_id, cluster_id, article_id, independent_article_id) "
               "select c.id, p.cluster_id, c.article_id, coalesce(a.duplicate_of, a.id) from temp.graph_placed p "
               "cross join claims c on c.id = p.claim_id cross join articles a on a.id = c.article_id order by c.id")


def add_to_counts(db: sqlite_utils.Database, clusters: dict[int, int]) -> None:
    """Update the counts and subject of the clusters that the claims in `clusters` (new,
    just stored as members, all of articles not seen before) joined: each claim adds one,
    each new article one, each new independent article one unless the cluster already had
    a member from it. Indexed lookups only: the clusters' other members are not read."""
    by_cluster: dict[int, list[int]] = defaultdict(list)
    for cid, cluster in clusters.items():
        by_cluster[cluster].append(cid)
    for cluster, cids in sorted(by_cluster.items()):
        marks = ", ".join("?" * len(cids))
        db.execute(
            f"""update claim_clusters set
                  n_claims = n_claims + ?,
                  n_articles = n_articles + (select count(distinct article_id) from claim_cluster_members
                                             where claim_id in ({marks})),
                  n_independent_articles = n_independent_articles + (
                      select count(distinct m.independent_article_id) from claim_cluster_members m
                      where m.claim_id in ({marks}) and not exists (
                          select 1 from claim_cluster_members o where o.cluster_id = m.cluster_id
                          and o.independent_article_id = m.independent_article_id and o.claim_id not in ({marks}))),
                  subject = coalesce(subject, (select c.subject from claims c where c.id in ({marks})
                                               and c.subject != '' order by c.id limit 1))
                where id = ?""", [len(cids), *cids, *cids, *cids, *cids, cluster])


def recount(db: sqlite_utils.Database, cluster_ids: Iterable[int] | None = None) -> None:
    """Count the members of clusters (all with None) from scratch: after a full build, or
    when members were removed. subject is the subject of the earliest member with one."""
    ids = None if cluster_ids is None else ", ".join(str(int(c)) for c in cluster_ids)
    if ids is not None:
        db.execute(f"update claim_clusters set subject = null where id in ({ids})")
    only = "" if ids is None else f"and m.cluster_id in ({ids})"
    db.execute(f"""update claim_clusters set n_claims = agg.n, n_articles = agg.na, n_independent_articles = agg.ni
        from (select m.cluster_id, count(*) as n, count(distinct m.article_id) as na,
                     count(distinct m.independent_article_id) as ni
              from claim_cluster_members m where 1 {only} group by m.cluster_id) as agg
        where agg.cluster_id = claim_clusters.id""")
    # a bare column next to min() comes from the row of the minimum (SQLite)
    db.execute(f"""update claim_clusters set subject = first.subject
        from (select m.cluster_id, c.subject, min(m.claim_id) from claim_cluster_members m
              join claims c on c.id = m.claim_id where c.subject != '' {only} group by m.cluster_id) as first
        where first.cluster_id = claim_clusters.id""")


def compute_clusters(db: sqlite_utils.Database, claims: list[Claim] | None = None,
                     presigned: PresignedTexts | None = None) -> tuple[dict[int, int], MemoryLeaderIndex]:
    """claim id → cluster id of the claims of temp.graph_scope (every article, in a full
    rebuild; `claims`, if read already), and the index of their canonical claims; nothing
    written (store_clusters writes them)."""
    index = MemoryLeaderIndex()
    return cluster_claims(claims_in_scope(db) if claims is None else claims, index, presigned), index


def store_clusters(db: sqlite_utils.Database, clusters: dict[int, int], index: MemoryLeaderIndex) -> dict[int, int]:
    """Fill the empty cluster tables with computed clusters; returns `clusters`."""
    store_members(db, clusters)
    lsh, signatures = index.rows()
    db.conn.executemany("insert into claim_cluster_lsh (key, cluster_id) values (?, ?)", lsh)
    db.conn.executemany("insert into claim_cluster_signatures (cluster_id, minhash) values (?, ?)", signatures)
    recount(db)
    return clusters


def extend_clusters(db: sqlite_utils.Database) -> dict[int, int]:
    """Place the claims of temp.graph_scope (articles new to the graph, after every clustered
    claim) into the stored clusters. Returns claim id → cluster id."""
    clusters = cluster_claims(claims_in_scope(db), SqlLeaderIndex(db))
    merge_recent_lsh(db)
    store_members(db, clusters)
    add_to_counts(db, clusters)
    return clusters

