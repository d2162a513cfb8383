"""Near-duplicate articles: content farms republish an article with small edits, and a
claim repeated by such copies is not independent support. Each new article is looked up
(MinHash LSH over `article_fingerprints`, never all pairs) among the articles ingested
before it; a copy gets `articles.duplicate_of` = the canonical (earliest) article of its
best match and `articles.similarity` = the estimated Jaccard similarity of their
character shingles. Articles with `duplicate_of` null are the `independent_articles`.

The LSH index lives in the database: each band of a stored signature is a byte range of
`article_fingerprints.minhash`, and an expression index per band (`kb.store.schema.band_indexes`) finds
the articles sharing a band with a new one. Nothing is loaded at start, so adding one
article costs the same whatever the size of the base. Ingestion order is
`articles.rowid`; what an article is a copy of is `articles.duplicate_of`.

Invariant: `duplicate_of` always names a canonical article (one whose own `duplicate_of`
is null). When a canonical article is deleted (its file changed), its copies are looked
up again among the articles ingested before each of them.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import sqlite_utils

from extract.fingerprint import NUM_PERM, estimate_similarity, from_bytes, is_empty, minhash_signature, to_bytes

from .schema import VALUE_BYTES, band_expression, band_ranges, ensure_schema

THRESHOLD = 0.7


@lru_cache(maxsize=4)
def lsh_bands(threshold: float = THRESHOLD, num_perm: int = NUM_PERM) -> tuple[tuple[int, int], ...]:
    """(start, end) signature positions of each LSH band: for the default threshold the
    banding the database indexes (kb.store.schema)."""
    if (threshold, num_perm) == (THRESHOLD, NUM_PERM):
        return band_ranges()
    from datasketch import MinHashLSH  # imports scipy: only for another banding

    return tuple(MinHashLSH(threshold=threshold, num_perm=num_perm).hashranges)


def _memory_db() -> sqlite_utils.Database:
    db = sqlite_utils.Database(memory=True)
    ensure_schema(db)
    return db


class DuplicateIndex:
    """The articles of a database as an LSH index of their signatures. Without a
    database, an in-memory one (articles are then known by id only).

    `find` only reads; `add`, `place`, `remove` and `backfill` write `article_fingerprints`
    and `articles` (call them inside the article's transaction)."""

    def __init__(self, db: sqlite_utils.Database | None = None, threshold: float = THRESHOLD,
                 num_perm: int = NUM_PERM) -> None:
        self.db = db if db is not None else _memory_db()
        self.threshold = threshold
        self.num_perm = num_perm
        bands = lsh_bands(threshold, num_perm)
        self._bands = bands
        self._candidates_sql = (
            "select a.id, a.rowid, a.duplicate_of, f.minhash from articles a "
            "join article_fingerprints f on f.article_id = a.id where a.id in ("
            + " union ".join(f"select article_id from article_fingerprints where {band_expression(s, e)} = ?"
                             for s, e in bands) + ")")

    def __len__(self) -> int:
        return self.db.execute("select count(*) from article_fingerprints where length(minhash) = ?",
                               [VALUE_BYTES * self.num_perm]).fetchone()[0]

    def __contains__(self, article_id: str) -> bool:
        return self._signature(article_id) is not None

    def _signature(self, article_id: str) -> list[int] | None:
        row = self.db.execute("select minhash from article_fingerprints where article_id = ?", [article_id]).fetchone()
        return from_bytes(row[0]) if row and len(row[0]) == VALUE_BYTES * self.num_perm else None

    def _rowid(self, article_id: str) -> int | None:
        row = self.db.execute("select rowid from articles where id = ?", [article_id]).fetchone()
        return row[0] if row else None

    def complete(self) -> bool:
        """Whether every article has a signature of this index's size and scheme: two
        counts over narrow indexes, and the oldest signature signed again from its text
        (finding the articles without one reads every row; checked at every ingest)."""
        return self._all_signed() and not self._stale_scheme()

    def _all_signed(self) -> bool:
        articles, signed = (self.db.execute(f"select count(*) from {table}").fetchone()[0]
                            for table in ("articles", "article_fingerprints"))
        return articles == signed

    def _stale_scheme(self) -> bool:
        """Whether the signatures were computed by another num_perm or signing scheme
        (an earlier version of extract.fingerprint): the oldest one is not what its text
        gives today."""
        oldest = self.db.execute("select f.minhash, a.clean_text from article_fingerprints f "
                                 "join articles a on a.id = f.article_id order by f.rowid limit 1").fetchone()
        return oldest is not None and (len(oldest[0]) != VALUE_BYTES * self.num_perm
                                       or from_bytes(oldest[0]) != minhash_signature(oldest[1] or "", self.num_perm))

    def backfill(self) -> int:
        """Compute and store the signatures of articles stored before fingerprints existed
        or with another num_perm (all of them when the stored ones are of another scheme),
        in ingestion order, and look up those not marked as copies. Returns how many were
        filled in."""
        stale = self._stale_scheme()
        if not stale and self._all_signed():
            return 0
        db = self.db
        with db.conn:  # the signatures to replace are no candidates of the others meanwhile
            if stale:
                db.execute("delete from article_fingerprints")
            else:
                db.execute("delete from article_fingerprints where length(minhash) != ?", [VALUE_BYTES * self.num_perm])
        missing = db.execute("select a.id, a.clean_text, a.duplicate_of from articles a "
                             "left join article_fingerprints f on f.article_id = a.id "
                             "where f.minhash is null order by a.rowid").fetchall()
        with db.conn:
            for aid, text, duplicate_of in missing:
                self._store_signature(aid, minhash_signature(text or "", self.num_perm))
                if duplicate_of is None:
                    self._resolve(aid)
        return len(missing)

    def _store_signature(self, article_id: str, signature) -> None:
        self.db.execute("insert or replace into article_fingerprints (article_id, minhash) values (?, ?)",
                        [article_id, to_bytes(signature)])

    def add(self, article_id: str, signature, duplicate_of: str | None = None) -> None:
        """Index an article (an unknown id as the latest ingested) and record what it is a
        copy of."""
        if len(signature) != self.num_perm:
            raise ValueError(f"signature has {len(signature)} values, the index uses {self.num_perm}")
        self.db.execute("insert or ignore into articles (id) values (?)", [article_id])
        self._store_signature(article_id, signature)
        self._set(article_id, (duplicate_of, None) if duplicate_of else None)

    def find(self, article_id: str, signature) -> tuple[str, float] | None:
        """(duplicate_of, similarity) for an article: the most similar article ingested
        before it (all indexed articles if it is not stored itself) with similarity at
        least the threshold, or rather that article's canonical one if it is a copy
        itself; similarity is to the article returned. None if it has no near duplicate."""
        sig = np.asarray(signature, dtype=np.uint32)
        if is_empty(sig):
            return None
        before = self._rowid(article_id)
        blob = to_bytes(sig)
        keys = [blob[VALUE_BYTES * s:VALUE_BYTES * e] for s, e in self._bands]
        best: tuple[float, int, str, str | None] | None = None
        for key, rowid, duplicate_of, other in self.db.execute(self._candidates_sql, keys):
            if key == article_id or (before is not None and rowid >= before) \
                    or len(other) != VALUE_BYTES * self.num_perm:
                continue
            sim = estimate_similarity(sig, from_bytes(other))
            if sim >= self.threshold and (best is None or (sim, -rowid) > (best[0], -best[1])):
                best = (sim, rowid, key, duplicate_of)
        if best is None:
            return None
        sim, _, match, canonical = best
        if canonical is not None and (theirs := self._signature(canonical)) is not None:
            return canonical, estimate_similarity(sig, theirs)
        return canonical or match, sim

    def place(self, article_id: str, signature) -> tuple[str, float] | None:
        """Look up a newly stored article (its fingerprint stored with its rows) and
        record what it is a copy of."""
        found = self.find(article_id, signature)
        if found:
            self._set(article_id, found)
        return found

    def remove(self, article_id: str) -> None:
        """Take an article out of the index before it is deleted. Its copies (if it was
        canonical) are looked up again, in ingestion order, among the articles ingested
        before each of them."""
        self.db.execute("delete from article_fingerprints where article_id = ?", [article_id])
        orphans = [r[0] for r in self.db.execute("select id from articles where duplicate_of = ? order by rowid",
                                                 [article_id])]
        for aid in orphans:  # in order: each sees the ones before it already looked up again
            self._resolve(aid)

    def _resolve(self, article_id: str) -> None:
        sig = self._signature(article_id)
        self._set(article_id, self.find(article_id, sig) if sig is not None else None)

    def _set(self, article_id: str, found: tuple[str, float | None] | None) -> None:
        self.db.execute("update articles set duplicate_of = ?, similarity = ? where id = ?",
                        [found[0] if found else None, found[1] if found else None, article_id])
