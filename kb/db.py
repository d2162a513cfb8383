"""The database: schema in one place (tables, keys, indexes, full-text search), and
each article stored in one transaction or savepoint (`Batches` commits several at a
time) so a crash never leaves half an article."""
from __future__ import annotations

import contextlib
import datetime as _dt
import operator
import time
from typing import Iterator

import sqlite_utils

from extract.fingerprint import from_bytes

from .dedup import band_indexes
from .records import ArticleRows

SCHEMA = {
    "articles": ({"id": str, "source": str, "title": str, "published": str, "author": str, "url": str,
                  "format": str, "encoding": str, "script": str, "raw_text": str, "clean_text": str,
                  "garble_score": float, "pinyin_annotations": int, "deleted_word_gaps": int,
                  "spun_phrases": int, "mojibake_runs": int, "pii_masked": int, "n_sentences": int,
                  "n_claims": int, "duplicate_of": str, "similarity": float, "ingested_at": str},
                 "id", []),
    "sections": ({"id": int, "article_id": str, "idx": int, "kind": str, "rule": str, "level": int,
                  "heading_path": str, "label": str, "commenter": str, "comment_date": str, "comment_idx": int,
                  "raw_start": int, "raw_end": int, "text": str},
                 "id", [("article_id", "articles", "id")]),
    "sentences": ({"id": int, "article_id": str, "section_id": int, "idx": int, "section": str,
                   "heading_path": str, "text": str, "raw_start": int, "raw_end": int},
                  "id", [("article_id", "articles", "id"), ("section_id", "sections", "id")]),
    "laws": ({"id": str, "name": str, "aliases": str, "issuer": str, "year": int, "status": str,
              "replaced_by": str, "repealed_year": int, "real": int, "note": str}, "id", []),
    "entities": ({"id": str, "name": str, "kind": str}, "id", []),
    "claims": ({"id": int, "article_id": str, "sentence_id": int, "type": str, "stance": str, "section": str,
                "subject": str, "object": str, "modality": str, "negated": int, "text": str, "raw": str,
                "raw_start": int, "raw_end": int, "rule": str, "rules": str, "confidence": float,
                "process": str, "step": int},
               "id", [("article_id", "articles", "id"), ("sentence_id", "sentences", "id")]),
    "claim_laws": ({"claim_id": int, "law_id": str}, ("claim_id", "law_id"),
                   [("claim_id", "claims", "id"), ("law_id", "laws", "id")]),
    "mentions": ({"id": int, "article_id": str, "sentence_id": int, "kind": str, "entity_id": str,
                  "law_id": str, "surface": str, "raw_start": int, "raw_end": int},
                 "id", [("article_id", "articles", "id"), ("sentence_id", "sentences", "id"),
                        ("entity_id", "entities", "id"), ("law_id", "laws", "id")]),
    "edits": ({"id": int, "article_id": str, "rule": str, "raw_start": int, "raw_end": int,
               "original": str, "replacement": str}, "id", [("article_id", "articles", "id")]),
    "signals": ({"id": int, "article_id": str, "sentence_id": int, "kind": str, "rule": str,
                 "raw_start": int, "raw_end": int, "text": str},
                "id", [("article_id", "articles", "id"), ("sentence_id", "sentences", "id")]),
    # MinHash signature of the article's clean_text (extract.fingerprint), for near duplicates
    "procedure_steps": ({"id": int, "article_id": str, "claim_id": int, "process": str, "step": int,
                         "name": str}, "id", [("article_id", "articles", "id"), ("claim_id", "claims", "id")]),
    "faq": ({"id": int, "article_id": str, "question_section_id": int, "question": str, "answer": str,
             "raw_start": int, "raw_end": int}, "id",
            [("article_id", "articles", "id"), ("question_section_id", "sections", "id")]),
    "article_fingerprints": ({"article_id": str, "minhash": bytes}, "article_id", [("article_id", "articles", "id")]),
}
# Full-text indexes of jieba-segmented, simplified text (kb/segment.py): SQLite's own
# tokenizers find no Chinese words. rowid = claims.id / articles.rowid; queries are
# segmented the same way (the Datasette plugin rewrites _search, jieba_query() in SQL).
FTS_TABLES = {"claims_fts": ["text"], "articles_fts": ["title", "text"]}
# views created when missing: name → select
VIEWS = {
    # articles that are not near-duplicate copies of an earlier article: count claims
    # over these so that a claim repeated by copies is not counted as independent support
    "independent_articles": "select * from articles where duplicate_of is null",
    # the usual joins, saved for SQL users
    "claims_with_articles": ("select c.*, a.title as article_title, a.source as article_source, "
                             "a.published as article_published, a.duplicate_of as article_duplicate_of "
                             "from claims c join articles a on a.id = c.article_id"),
    "law_citations": ("select l.name as law, l.status, l.replaced_by, c.id as claim_id, c.type, c.stance, "
                      "c.subject, c.text, c.article_id from claim_laws cl join laws l on l.id = cl.law_id "
                      "join claims c on c.id = cl.claim_id"),
    "contested_subject_counts": ("select subject, sum(stance = 'legal') as legal_claims, "
                           "sum(stance = 'illegal') as illegal_claims, count(distinct article_id) as articles "
                           "from claims where type = 'legality' and stance in ('legal', 'illegal') "
                           "and subject is not null group by subject "
                           "having sum(stance = 'legal') > 0 and sum(stance = 'illegal') > 0"),
    # one row per reader comment, its lines joined
    "comments": ("select article_id, comment_idx, commenter, comment_date, min(raw_start) as raw_start, "
                 "max(raw_end) as raw_end, group_concat(text, char(10)) as text from sections "
                 "where kind = 'comment' group by article_id, comment_idx"),
}
INDEXES = {
    "articles": [["source"], ["script"], ["garble_score"], ["duplicate_of"]],
    "sections": [["article_id"], ["kind"]],
    "sentences": [["article_id"], ["section_id"]],
    "claims": [["article_id"], ["type"], ["stance"], ["section"], ["subject"], ["rule"], ["type", "stance"], ["sentence_id"]],
    "claim_laws": [["law_id"]],
    "procedure_steps": [["article_id"], ["claim_id"], ["process", "step"]],
    "faq": [["article_id"], ["question_section_id"]],
    "mentions": [["article_id"], ["entity_id"], ["law_id"], ["kind"], ["sentence_id"]],
    "laws": [["status"]],
    "entities": [["kind"]],
    "edits": [["article_id"], ["rule"]],
    "signals": [["article_id"], ["kind"], ["rule"], ["sentence_id"]],
}
# child tables first: the order rows of one article are deleted in
CHILDREN = ["claim_laws", "procedure_steps", "faq", "article_fingerprints", "mentions", "signals", "edits", "claims", "sentences", "sections"]


def open_db(path: str) -> sqlite_utils.Database:
    """The database at `path`, with the schema created and WAL mode on."""
    db = connect(path)
    ensure_schema(db)
    return db


def connect(path: str) -> sqlite_utils.Database:
    """A connection to the database at `path` as open_db makes it, the schema left as it
    is (a worker of `kb ingest --jobs` during a bulk load: no indexes built again)."""
    db = sqlite_utils.Database(path)
    db.conn.execute("PRAGMA busy_timeout = 30000")
    db.enable_wal()
    # WAL with synchronous NORMAL: a commit no longer waits for fsync; a killed process
    # still leaves whole transactions only (a power cut may lose the last few)
    db.conn.execute("PRAGMA synchronous = NORMAL")
    db.conn.execute("PRAGMA foreign_keys = ON")
    return db


def ensure_schema(db: sqlite_utils.Database, indexes: bool = True) -> None:
    """Create what is missing of the tables, views and indexes (the secondary indexes of
    INDEXES only with `indexes`)."""
    existing = set(db.table_names())
    # one transaction: readers see the schema change once (a reader preparing a query on
    # an FTS5 table while the schema changes under it fails: "vtable constructor failed")
    with transaction(db):
        for name, (columns, pk, fks) in SCHEMA.items():
            if name not in existing:
                db[name].create(columns, pk=pk, foreign_keys=fks)
        # also on older databases, and after a bulk load that did not finish: deleting a
        # replaced article's sentences looks up the rows that refer to them through these
        if indexes:
            create_indexes(db)
        for name, sql in VIEWS.items():
            db.execute(f"create view if not exists [{name}] as {sql}")
        for name, columns in FTS_TABLES.items():
            db.execute(f"create virtual table if not exists [{name}] using fts5({', '.join(columns)})")
        for sql in band_indexes():  # also added to databases made before them
            db.execute(sql)


def index_name(table: str, cols: list[str]) -> str:
    return f"idx_{table}_{'_'.join(cols)}"


def create_indexes(db: sqlite_utils.Database) -> None:
    for name, indexes in INDEXES.items():
        for cols in indexes:
            db[name].create_index(cols, index_name=index_name(name, cols), if_not_exists=True)


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


def stored_articles(db: sqlite_utils.Database, path) -> frozenset[tuple[str, str]]:
    """(id, source) of the stored articles read from this file (a JSONL file's articles
    are `path#line`): looked up by source, so the cost does not grow with the base."""
    p = str(path)
    return frozenset(db.execute("select id, source from articles where source = ? or (source > ? and source < ?)",
                                [p, p + "#", p + "$"]).fetchall())


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


def transaction(db: sqlite_utils.Database):
    """One transaction around the whole block. Not `with db.conn:`: sqlite-utils 4's
    Table.insert/insert_all open and commit a transaction of their own when none is open
    (Python's implicit one only begins at the first DML statement), so each insert was
    committed alone and a crash could leave half an article, which the next run then took
    for stored. Database.atomic() begins at once and nests inserts as savepoints."""
    atomic = getattr(db, "atomic", None)  # sqlite-utils >= 4
    return atomic() if atomic is not None else db.conn


def store_article(db: sqlite_utils.Database, rows: ArticleRows, dedup=None,
                  in_batch: bool = False) -> tuple[str, bool]:
    """Store one article's rows in one transaction. Returns the state (added, replaced or
    unchanged) and whether its rows were inserted (content stored from another source
    already is not stored twice). Rows this source held for other content are removed in
    the same transaction. With `dedup` (a kb.dedup.DuplicateIndex), the same transaction
    marks the new article as a near duplicate of an earlier one, if it is one, and looks
    up again the copies of a removed article.

    `in_batch`: called inside `Batches`, which rolls the whole batch back when this
    raises, so the article needs no savepoint of its own: inside a savepoint SQLite
    journals every page the article changes a second time (a quarter of the store time)."""
    art = rows.article
    stale = [r[0] for r in db.execute("select id from articles where source = ? and id != ?",
                                      [art["source"], art["id"]])]
    stored = db.execute("select 1 from articles where id = ?", [art["id"]]).fetchone() is not None
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
    _index_text(db, rows, claim_ids)


def _index_text(db: sqlite_utils.Database, rows: ArticleRows, claim_ids: list[int]) -> None:
    """Full-text rows from text segmented by to_rows (in the worker processes)."""
    (rowid,) = db.execute("select rowid from articles where id = ?", [rows.article["id"]]).fetchone()
    db.execute("insert into articles_fts (rowid, title, text) values (?, ?, ?)",
               [rowid, rows.search["title"], rows.search["text"]])
    db.conn.executemany("insert into claims_fts (rowid, text) values (?, ?)", zip(claim_ids, rows.search["claims"]))
