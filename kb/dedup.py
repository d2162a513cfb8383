"""Near-duplicate articles: content farms republish an article with small edits, and a
claim repeated by such copies is not independent support. Each new article is looked up
(MinHash LSH over `article_fingerprints`, never all pairs) among the articles ingested
before it; a copy gets `articles.duplicate_of` = the canonical (earliest) article of its
best match and `articles.similarity` = the estimated Jaccard similarity of their
character shingles. Articles with `duplicate_of` null are the `independent_articles`.

Invariant: `duplicate_of` always names a canonical article (one whose own `duplicate_of`
is null). When a canonical article is deleted (its file changed), its copies are looked
up again among the articles ingested before each of them.
"""
from __future__ import annotations

import numpy as np
import sqlite_utils
from datasketch import MinHashLSH

from extract.fingerprint import (NUM_PERM, estimate_similarity, from_bytes, is_empty, lean_minhash,
                                 minhash_signature, to_bytes)

THRESHOLD = 0.7


class DuplicateIndex:
    """Signatures of stored articles in ingestion order, with an LSH index over them.

    `find` and `add` touch memory only; `place` and `remove` also write `articles`
    (call them inside the article's transaction)."""

    def __init__(self, db: sqlite_utils.Database | None = None, threshold: float = THRESHOLD,
                 num_perm: int = NUM_PERM) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._sigs: dict[str, np.ndarray] = {}
        self._order: dict[str, int] = {}
        self._canonical: dict[str, str | None] = {}  # id → duplicate_of
        self._copies: dict[str, set[str]] = {}  # canonical id → ids pointing to it
        self._next = 0
        self.missing: list[tuple[str, int]] = []  # (id, order) of articles without a usable fingerprint
        if db is not None:
            self.load(db)

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._sigs

    def load(self, db: sqlite_utils.Database) -> None:
        """Every stored signature, read once, in ingestion order."""
        rows = db.execute("select a.id, a.duplicate_of, f.minhash from articles a "
                          "left join article_fingerprints f on f.article_id = a.id "
                          "order by a.ingested_at, a.rowid").fetchall()
        for aid, dup, blob in rows:
            order = self._next
            if blob is None or len(blob) != 4 * self.num_perm:
                self.missing.append((aid, order))  # indexed by backfill, in its place
                self._next += 1
            else:
                self.add(aid, from_bytes(blob), duplicate_of=dup, order=order)

    def backfill(self, db: sqlite_utils.Database) -> int:
        """Compute and store the signatures of articles stored before fingerprints existed
        (or with another num_perm), and look up those not marked as copies. Returns how
        many were filled in."""
        filled = 0
        with db.conn:
            for aid, order in self.missing:
                row = db.execute("select clean_text, duplicate_of from articles where id = ?", [aid]).fetchone()
                if row is None:
                    continue
                sig = minhash_signature(row[0] or "", self.num_perm)
                db.execute("insert or replace into article_fingerprints (article_id, minhash) values (?, ?)",
                           [aid, to_bytes(sig)])
                self.add(aid, sig, duplicate_of=row[1], order=order)
                if row[1] is None:
                    self._resolve(db, aid)
                filled += 1
        self.missing = []
        return filled

    def add(self, article_id: str, signature, duplicate_of: str | None = None, order: int | None = None) -> None:
        """Index an article (by default as the latest ingested)."""
        if article_id in self._sigs:
            self._drop(article_id)
        sig = np.asarray(signature, dtype=np.uint32)
        if len(sig) != self.num_perm:
            raise ValueError(f"signature has {len(sig)} values, the index uses {self.num_perm}")
        if order is None:
            order = self._next
        self._next = max(self._next, order + 1)
        self._sigs[article_id] = sig
        self._order[article_id] = order
        self._set_canonical(article_id, duplicate_of)
        if not is_empty(sig):
            self._lsh.insert(article_id, lean_minhash(sig), check_duplication=False)

    def find(self, article_id: str, signature) -> tuple[str, float] | None:
        """(duplicate_of, similarity) for an article: the most similar article ingested
        before it (all indexed articles if it is not indexed itself) with similarity at
        least the threshold, or rather that article's canonical one if it is a copy
        itself; similarity is to the article returned. None if it has no near duplicate."""
        sig = np.asarray(signature, dtype=np.uint32)
        if is_empty(sig):
            return None
        before = self._order.get(article_id)
        best: tuple[float, int, str] | None = None
        for key in self._lsh.query(lean_minhash(sig)):
            if key == article_id or (before is not None and self._order[key] >= before):
                continue
            sim = estimate_similarity(sig, self._sigs[key])
            if sim >= self.threshold and (best is None or (sim, -self._order[key]) > (best[0], -best[1])):
                best = (sim, self._order[key], key)
        if best is None:
            return None
        sim, _, match = best
        canonical = self._canonical.get(match) or match
        if canonical != match and canonical in self._sigs:
            sim = estimate_similarity(sig, self._sigs[canonical])
        return canonical, sim

    def place(self, db: sqlite_utils.Database, article_id: str, signature) -> tuple[str, float] | None:
        """Look up a newly stored article, index it, and record what it is a copy of."""
        found = self.find(article_id, signature)
        self.add(article_id, signature, duplicate_of=found[0] if found else None)
        if found:
            db.execute("update articles set duplicate_of = ?, similarity = ? where id = ?",
                       [found[0], found[1], article_id])
        return found

    def remove(self, db: sqlite_utils.Database, article_id: str) -> None:
        """Forget a deleted article. Its copies (if it was canonical) are looked up again,
        in ingestion order, among the articles ingested before each of them."""
        if article_id not in self._sigs:
            return
        orphans = sorted(self._copies.get(article_id, ()), key=self._order.__getitem__)
        self._drop(article_id)
        for aid in orphans:
            self._set_canonical(aid, None)
            self._resolve(db, aid)

    def _resolve(self, db: sqlite_utils.Database, article_id: str) -> None:
        found = self.find(article_id, self._sigs[article_id])
        self._set_canonical(article_id, found[0] if found else None)
        db.execute("update articles set duplicate_of = ?, similarity = ? where id = ?",
                   [found[0] if found else None, found[1] if found else None, article_id])

    def _set_canonical(self, article_id: str, duplicate_of: str | None) -> None:
        old = self._canonical.get(article_id)
        if old is not None:
            self._copies.get(old, set()).discard(article_id)
        self._canonical[article_id] = duplicate_of
        if duplicate_of is not None:
            self._copies.setdefault(duplicate_of, set()).add(article_id)

    def _drop(self, article_id: str) -> None:
        self._set_canonical(article_id, None)
        if article_id in self._lsh:
            self._lsh.remove(article_id)
        del self._sigs[article_id], self._order[article_id], self._canonical[article_id]
        self._copies.pop(article_id, None)
