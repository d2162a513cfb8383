"""Edges between legality claims about one subject, each from a claim to one *earlier*
claim (by id: the order of ingestion), so that adding articles never changes an edge that
exists, and a full rebuild draws the same edges as adding articles one at a time:

- contradicts  a legal (illegal) claim → the earliest earlier illegal (legal) claim about
               its subject in another article
- supports     a legality claim → the earliest earlier claim of the same stance about its
               subject in another independent article (neither the same article nor a
               near-duplicate copy of it or of its original) and in another claim cluster
               (a claim of its own cluster is the same assertion: a 'same' edge)

One edge of each kind per claim at most, where every pair would grow quadratically in a
corpus of copied articles.

Possible targets are kept in the table `stance_targets`, indexed by (subject, stance, id):
per (subject, stance, cluster), the earliest claim and the earliest claim of another
independent article than that one. No other claim is ever a target: a later claim x of
the same cluster has two earlier entries of different independent articles, so at least
one of them is of another article (another independent article) than any claim linking
to x, and it is of another cluster than that claim whenever x is. So a new claim finds its
targets by scanning the index of its (subject, stance) from the start, skipping only the
entries of its own article, independent article or cluster: a few rows.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import astuple, dataclass
from typing import Callable, Iterable, Iterator, Protocol

import sqlite_utils

from .schema import SCOPED_CLAIMS

OPPOSITE = {"legal": "illegal", "illegal": "legal"}
COLUMNS = "claim_id, article_id, independent_article_id, subject, stance, cluster_id"


@dataclass(frozen=True)
class StanceClaim:
    id: int
    article_id: str
    independent_article_id: str  # the article, or the original it is a near-duplicate copy of
    subject: str
    stance: str
    cluster_id: int


class TargetIndex(Protocol):
    def earlier(self, subject: str, stance: str, before: int) -> Iterator[StanceClaim]:
        """Entries of (subject, stance) with id < before, in id order."""

    def of_cluster(self, subject: str, stance: str, cluster_id: int) -> list[StanceClaim]:
        """The entries (at most two) of (subject, stance, cluster)."""

    def add(self, claim: StanceClaim) -> None:
        ...


class MemoryTargetIndex:
    """TargetIndex in memory, for a full rebuild."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str], list[StanceClaim]] = defaultdict(list)
        self.by_cluster: dict[tuple[str, str, int], list[StanceClaim]] = defaultdict(list)

    def earlier(self, subject: str, stance: str, before: int) -> Iterator[StanceClaim]:
        for entry in self.by_key.get((subject, stance), ()):
            if entry.id >= before:
                return
            yield entry

    def of_cluster(self, subject: str, stance: str, cluster_id: int) -> list[StanceClaim]:
        return self.by_cluster.get((subject, stance, cluster_id), [])

    def add(self, claim: StanceClaim) -> None:
        self.by_key[claim.subject, claim.stance].append(claim)
        self.by_cluster[claim.subject, claim.stance, claim.cluster_id].append(claim)

    def rows(self) -> list[tuple]:
        return sorted(astuple(e) for entries in self.by_key.values() for e in entries)


class SqlTargetIndex:
    """TargetIndex over the table stance_targets (rows are read lazily, in index order)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def earlier(self, subject: str, stance: str, before: int) -> Iterator[StanceClaim]:
        cursor = self.db.conn.execute(f"select {COLUMNS} from stance_targets where subject = ? and stance = ? "
                                      "and claim_id < ? order by claim_id", [subject, stance, before])
        return (StanceClaim(*row) for row in cursor)

    def of_cluster(self, subject: str, stance: str, cluster_id: int) -> list[StanceClaim]:
        return [StanceClaim(*row) for row in self.db.execute(
            f"select {COLUMNS} from stance_targets where subject = ? and stance = ? and cluster_id = ? "
            "order by claim_id", [subject, stance, cluster_id])]

    def add(self, claim: StanceClaim) -> None:
        insert_targets(self.db, [astuple(claim)])


def insert_targets(db: sqlite_utils.Database, rows: list[tuple]) -> None:
    db.conn.executemany(f"insert into stance_targets ({COLUMNS}) values (?, ?, ?, ?, ?, ?)", rows)


def _first(entries: Iterable[StanceClaim], keep: Callable[[StanceClaim], bool]) -> StanceClaim | None:
    return next((e for e in entries if keep(e)), None)


def targets(claim: StanceClaim, index: TargetIndex) -> list[tuple[str, int]]:
    """(kind, target claim id) of the contradicts and supports edges of a claim."""
    out = []
    if claim.stance in OPPOSITE:
        found = _first(index.earlier(claim.subject, OPPOSITE[claim.stance], claim.id),
                       lambda e: e.article_id != claim.article_id)
        if found:
            out.append(("contradicts", found.id))
    found = _first(index.earlier(claim.subject, claim.stance, claim.id),
                   lambda e: e.independent_article_id != claim.independent_article_id
                   and e.cluster_id != claim.cluster_id)
    if found:
        out.append(("supports", found.id))
    return out


def is_target(claim: StanceClaim, entries_of_cluster: list[StanceClaim]) -> bool:
    """Whether a claim (later than the entries) can be a target: the first of its
    (subject, stance, cluster), or the first of another independent article than that."""
    return not entries_of_cluster or (len(entries_of_cluster) == 1
                                      and entries_of_cluster[0].independent_article_id != claim.independent_article_id)


def edge(claim: StanceClaim, kind: str, target: int) -> tuple[str, str, str, str]:
    return f"claim:{claim.id}", f"claim:{target}", kind, claim.article_id


def link(claims: Iterable[StanceClaim], index: TargetIndex) -> list[tuple[str, str, str, str]]:
    """Edges (source, target, kind, article_id) of claims given in id order, all after the
    entries of `index`, which they join when they can be targets."""
    edges = []
    for claim in claims:
        edges.extend(edge(claim, kind, target) for kind, target in targets(claim, index))
        if is_target(claim, index.of_cluster(claim.subject, claim.stance, claim.cluster_id)):
            index.add(claim)
    return edges


def _stance_claims(db: sqlite_utils.Database, claims: str, where: str = "", params=()) -> list[StanceClaim]:
    """Legality claims with a subject and stance, with their cluster, from `claims` (a FROM
    clause naming the claims table c), in id order."""
    return [StanceClaim(*row) for row in db.execute(
        "select c.id, c.article_id, coalesce(a.duplicate_of, a.id), c.subject, c.stance, m.cluster_id "
        f"from {claims} cross join articles a on a.id = c.article_id "
        "cross join claim_cluster_members m on m.claim_id = c.id "
        # unary +: no index on type or stance, which SQLite would pick over the article's
        f"where +c.type = 'legality' and +c.stance is not null and c.subject != '' {where} order by c.id",
        list(params))]


def stance_claims_in_scope(db: sqlite_utils.Database) -> list[StanceClaim]:
    """The legality claims with a subject and stance of the articles in temp.graph_scope."""
    return _stance_claims(db, SCOPED_CLAIMS)


def stance_claims(db: sqlite_utils.Database, ids: list[int]) -> list[StanceClaim]:
    return _stance_claims(db, "claims c", f"and c.id in ({', '.join(str(int(i)) for i in ids)})")


def rebuild_targets(db: sqlite_utils.Database) -> list[tuple[str, str, str, str]]:
    """The contradicts and supports edges of every claim in scope (all articles), with
    stance_targets filled from empty."""
    index = MemoryTargetIndex()
    edges = link(stance_claims_in_scope(db), index)
    insert_targets(db, index.rows())
    return edges


def extend_targets(db: sqlite_utils.Database) -> list[tuple[str, str, str, str]]:
    """The contradicts and supports edges of the claims in scope (articles new to the
    graph, after every claim linked so far); stance_targets extended."""
    return link(stance_claims_in_scope(db), SqlTargetIndex(db))


def refill_targets(db: sqlite_utils.Database, keys: Iterable[tuple[str, str, int]]) -> None:
    """Choose again the entries of (subject, stance, cluster) keys whose entries may have
    been removed with their article, from the claims that remain."""
    for subject, stance, cluster_id in sorted(set(keys)):
        db.execute("delete from stance_targets where subject = ? and stance = ? and cluster_id = ?",
                   [subject, stance, cluster_id])
        kept: list[StanceClaim] = []
        members = "claim_cluster_members k cross join claims c on c.id = k.claim_id"
        for claim in _stance_claims(db, members, "and k.cluster_id = ? and c.subject = ? and c.stance = ?",
                                    [cluster_id, subject, stance]):
            if is_target(claim, kept):
                kept.append(claim)
            if len(kept) == 2:
                break
        insert_targets(db, [astuple(e) for e in kept])
