"""Storing articles: each article's rows in one transaction or savepoint (`Batches`
commits several at a time) so a crash never leaves half an article; replacing and
deleting an article's rows; the bulk load of a first ingest."""
from __future__ import annotations

import contextlib
import datetime as _dt
import operator
import time
from typing import Iterator

import sqlite_utils

from extract.fingerprint import from_bytes

from .rows import ArticleRows
from .schema import CHILDREN, INDEXES, SCHEMA, create_indexes, index_name, transaction

# what storing an article looks up: the articles of a source (the primary keys and the
# fingerprint bands are not in INDEXES)
KEPT_IN_BULK = {("articles", ("source",))}


@contextlib.contextmanager
def bulk_load(db: sqlite_utils.Database, build_indexes: bool = True) -> Iterator[None]:
    """Storing many articles into an empty database: the secondary indexes nothing looks
    up while storing are dropped and built once at the end (sorting every row once is
    cheaper than updating each B-tree per row: a tenth of the ingest time), or, without
    `build_indexes`, by the next open_db, which builds missing indexes (as it does after a
    run that died). In an empty database no stored article is replaced, and no lookups by
    article go through the dropped indexes."""
    with transaction(db):
        for name, indexes in INDEXES.items():
            for cols in indexes:
                if (name, tuple(cols)) not in KEPT_IN_BULK:
                    db.execute(f"drop index if exists [{index_name(name, cols)}]")
    try:
        yield
    finally:
        if build_indexes:
            with transaction(db):
                create_indexes(db)


def stored_articles(db: sqlite_utils.Database, path, extractor: str | None = None) -> frozenset[tuple[str, str]]:
    """(id, source) of the stored articles read from this file (a JSONL file's articles
    are `path#line`): looked up by source, so the cost does not grow with the base. With
    `extractor`, only the articles whose claims that extractor made."""
    p = str(path)
    rows = db.execute("select id, source, extractor from articles where source = ? or (source > ? and source < ?)",
                      [p, p + "#", p + "$"]).fetchall()
    return frozenset((i, s) for i, s, e in rows if extractor is None or same_extractor(e, extractor))


def same_extractor(stored: str | None, new: str | None) -> bool:
    """Whether claims stored by `stored` stand for a reading by `new`. Articles stored before
    extractors were recorded were read offline; the offline model's version does not count
    (a refitted model does not make every article new)."""
    kind = (lambda e: "offline" if not e or e.startswith("offline:") else e)
    return new is None or kind(stored) == kind(new)


def delete_article(db: sqlite_utils.Database, article_id: str) -> None:
    db.execute("delete from claims_fts where rowid in (select id from claims where article_id = ?)", [article_id])
    db.execute("delete from articles_fts where rowid in (select rowid from articles where id = ?)", [article_id])
    db.execute("delete from claim_laws where claim_id in (select id from claims where article_id = ?)", [article_id])
    for table in CHILDREN[1:]:
        db.execute(f"delete from [{table}] where article_id = ?", [article_id])
    db.execute("delete from articles where id = ?", [article_id])
    # its copies are no longer copies of anything stored (DuplicateIndex.remove looks them up again)
    db.execute("update articles set duplicate_of = null, similarity = null where duplicate_of = ?", [article_id])


def _next_id(db: sqlite_utils.Database, table: str) -> int:
    return (db.execute(f"select max(id) from [{table}]").fetchone()[0] or 0) + 1


def _assign_ids(db: sqlite_utils.Database, table: str, rows: list[dict]) -> list[int]:
    start = _next_id(db, table)
    for i, row in enumerate(rows):
        row["id"] = start + i
    return [row["id"] for row in rows]


BATCH_SIZE = 300  # articles per transaction of a `kb ingest` (Batches)


class Batches:
    """Articles stored in transactions of up to `size` articles or `seconds`: a commit per
    article wrote every index and full-text page the article touched once per article
    (and a WAL checkpoint every few); 300 articles or 2 s took 4 % less ingest time than
    100 or 1 s (fewer full-text segments to merge), larger batches no less. Each article is still stored whole or not at all:
    an error while storing one leaves the block, which rolls the whole batch back (so
    `store_article` needs no savepoint of its own here: `in_batch=True`); a crash loses
    the batch in progress, which the next run stores."""

    def __init__(self, db: sqlite_utils.Database, size: int = BATCH_SIZE, seconds: float = 2.0) -> None:
        self.db, self.size, self.seconds = db, size, seconds
        self.count, self.started = 0, 0.0

    def __enter__(self) -> "Batches":
        self._begin()
        return self

    def _begin(self) -> None:
        self.db.conn.execute("BEGIN")
        self.count, self.started = 0, time.monotonic()

    def stored(self, n: int = 1) -> None:
        """Count n articles stored; commit when the batch is full or old enough."""
        self.count += n
        if self.count >= self.size or time.monotonic() - self.started >= self.seconds:
            self.db.conn.execute("COMMIT")
            self._begin()

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.db.conn.in_transaction:
            return
        self.db.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")


def store_article(db: sqlite_utils.Database, rows: ArticleRows, dedup=None,
                  in_batch: bool = False) -> tuple[str, bool]:
    """Store one article's rows in one transaction. Returns the state (added, replaced or
    unchanged) and whether its rows were inserted (content stored from another source
    already is not stored twice). Rows this source held for other content are removed in
    the same transaction. With `dedup` (a kb.store.duplicates.DuplicateIndex), the same transaction
    marks the new article as a near duplicate of an earlier one, if it is one, and looks
    up again the copies of a removed article.

    `in_batch`: called inside `Batches`, which rolls the whole batch back when this
    raises, so the article needs no savepoint of its own: inside a savepoint SQLite
    journals every page the article changes a second time (a quarter of the store time)."""
    art = rows.article
    stale = [r[0] for r in db.execute("select id from articles where source = ? and id != ?",
                                      [art["source"], art["id"]])]
    held = db.execute("select extractor from articles where id = ?", [art["id"]]).fetchone()
    if held is not None and not same_extractor(held[0], art.get("extractor")):
        stale.append(art["id"])  # read by the other extractor: its claims are replaced
        held = None
    stored = held is not None
    if stored and not stale:
        return "unchanged", False
    with contextlib.nullcontext() if in_batch else transaction(db):
        for old in stale:
            if dedup is not None:
                dedup.remove(old)  # while its copies still point to it
            delete_article(db, old)
        if not stored:
            _insert_rows(db, rows)
            if dedup is not None and rows.fingerprint is not None:
                found = dedup.place(art["id"], from_bytes(rows.fingerprint))
                if found:
                    art["duplicate_of"], art["similarity"] = found
    return ("replaced" if stale else "added"), not stored


def _insert(db: sqlite_utils.Database, table: str, rows: list[dict], ignore: bool = False) -> None:
    """executemany with the schema's columns: on the ingest hot path sqlite-utils'
    insert_all spent more time building queries than SQLite spent storing rows."""
    if not rows:
        return
    columns = list(SCHEMA[table][0])
    sql = (f"insert {'or ignore ' if ignore else ''}into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
           f"values ({', '.join('?' * len(columns))})")
    try:
        values = list(map(operator.itemgetter(*columns), rows))  # rows with every column: in C
    except KeyError:
        values = [[row.get(c) for c in columns] for row in rows]
    db.conn.executemany(sql, values)


def _insert_rows(db: sqlite_utils.Database, rows: ArticleRows) -> None:
    art = rows.article
    art["ingested_at"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    _insert(db, "articles", [art])
    if rows.fingerprint is not None:
        _insert(db, "article_fingerprints", [{"article_id": art["id"], "minhash": rows.fingerprint}])
    _insert(db, "laws", rows.laws, ignore=True)
    _insert(db, "entities", rows.entities, ignore=True)
    section_ids = dict(zip((r["idx"] for r in rows.sections), _assign_ids(db, "sections", rows.sections)))
    _insert(db, "sections", rows.sections)
    sentence_ids = dict(zip((r["idx"] for r in rows.sentences), _assign_ids(db, "sentences", rows.sentences)))
    for r in rows.sentences:
        r["section_id"] = section_ids.get(r.pop("section_idx"))
    _insert(db, "sentences", rows.sentences)
    claim_ids = _assign_ids(db, "claims", rows.claims)
    for r in rows.claims:
        r["sentence_id"] = sentence_ids[r.pop("sentence_idx")]
    _insert(db, "claims", rows.claims)
    for r in rows.procedure_steps:
        r["claim_id"] = claim_ids[r.pop("claim_idx")]
    _assign_ids(db, "procedure_steps", rows.procedure_steps)
    _insert(db, "procedure_steps", rows.procedure_steps)
    for r in rows.faq:
        r["question_section_id"] = section_ids.get(r.pop("question_idx"))
    _assign_ids(db, "faq", rows.faq)
    _insert(db, "faq", rows.faq)
    links = {(claim_ids[r["claim_idx"]], r["law_id"]) for r in rows.claim_laws}
    _insert(db, "claim_laws", [{"claim_id": c, "law_id": l} for c, l in sorted(links)], ignore=True)
    for table in ("mentions", "signals"):
        _assign_ids(db, table, getattr(rows, table))
        for r in getattr(rows, table):
            idx = r.pop("sentence_idx")
            r["sentence_id"] = sentence_ids.get(idx) if idx is not None else None
        _insert(db, table, getattr(rows, table))
    _assign_ids(db, "edits", rows.edits)
    _insert(db, "edits", rows.edits)
    _insert(db, "llm_rejected", rows.rejected)
    _index_text(db, rows, claim_ids)


def _index_text(db: sqlite_utils.Database, rows: ArticleRows, claim_ids: list[int]) -> None:
    """Full-text rows from text segmented by to_rows (in the worker processes)."""
    (rowid,) = db.execute("select rowid from articles where id = ?", [rows.article["id"]]).fetchone()
    db.execute("insert into articles_fts (rowid, title, text) values (?, ?, ?)",
               [rowid, rows.search["title"], rows.search["text"]])
    db.conn.executemany("insert into claims_fts (rowid, text) values (?, ?)", zip(claim_ids, rows.search["claims"]))
