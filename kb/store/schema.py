"""The database schema in one place: tables, keys, indexes, full-text search, views and
the fingerprint band indexes of near-duplicate lookup; opening a database creates what is
missing of it."""
from __future__ import annotations

import sqlite_utils

SCHEMA = {
    "articles": ({"id": str, "source": str, "title": str, "title_rule": str, "published": str, "author": str, "url": str,
                  "format": str, "encoding": str, "script": str, "raw_text": str, "clean_text": str,
                  "garble_score": float, "pinyin_annotations": int, "deleted_word_gaps": int,
                  "spun_phrases": int, "mojibake_runs": int, "replaced_bytes": int, "truncated": int,
                  "pii_masked": int, "n_sentences": int, "n_claims": int, "extractor": str, "duplicate_of": str,
                  "similarity": float, "ingested_at": str},
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
                "process": str, "step": int, "extractor": str},
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
    # the language-model extractor (kb/llm/): claims of its answers that were not stored, and why
    "llm_rejected": ({"id": int, "article_id": str, "custom_id": str, "sentence_idx": int, "type": str,
                      "quote": str, "reason": str, "extractor": str},
                     "id", [("article_id", "articles", "id")]),
    # answers received, by (model, custom_id): the custom_id holds the prompt version and the
    # hash of the request, so an answered question is never asked again
    "llm_answers": ({"model": str, "custom_id": str, "prompt_version": str, "body": str,
                     "prompt_tokens": int, "completion_tokens": int, "received_at": str},
                    ("model", "custom_id"), []),
    # one row per `kb ingest --extractor llm`: what it asked, what it got, what it cost
    "llm_runs": ({"id": int, "started_at": str, "model": str, "prompt_version": str, "source": str,
                  "articles": int, "requests": int, "cached": int, "sent": int, "failed": int,
                  "prompt_tokens": int, "completion_tokens": int, "claims_rejected": int, "fell_back": int},
                 "id", []),
}
# Full-text indexes of jieba-segmented, simplified text (kb/store/search_text.py): SQLite's own
# tokenizers find no Chinese words. rowid = claims.id / articles.rowid; queries are
# segmented the same way (the Datasette plugin rewrites _search, jieba_query() in SQL).
FTS_TABLES = {"claims_fts": ["text"], "articles_fts": ["title", "text"]}
# views created when missing: name → select
VIEWS = {
    # articles that are not near-duplicate copies of an earlier article: count claims
    # over these so that a claim repeated by copies is not counted as independent support
    "independent_articles": "select * from articles where duplicate_of is null",
    # the claims as a reader meets them: the sentence once, what it says, where (the plugin
    # links claim_id and text to the claim's page)
    "claim_list": ("select c.id as claim_id, c.type, c.stance, c.subject, c.text, c.section, "
                   "a.title as article, c.article_id from claims c join articles a on a.id = c.article_id"),
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
    "articles": [["source"], ["script"], ["garble_score"], ["duplicate_of"], ["extractor"]],
    "llm_rejected": [["article_id"], ["reason"]],
    "sections": [["article_id"], ["kind"]],
    "sentences": [["article_id"], ["section_id"]],
    "claims": [["article_id"], ["type"], ["stance"], ["section"], ["subject"], ["rule"], ["type", "stance"], ["sentence_id"], ["extractor"]],
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
CHILDREN = ["claim_laws", "procedure_steps", "faq", "article_fingerprints", "llm_rejected", "mentions", "signals",
            "edits", "claims", "sentences", "sections"]



# Banding of the LSH index of article signatures (kb/store/duplicates.py): datasketch's
# optimal banding for its THRESHOLD and NUM_PERM (a test checks it), fixed here because
# the database indexes these byte ranges
BANDS, ROWS = 14, 9
VALUE_BYTES = 4  # a signature value in article_fingerprints.minhash (extract.fingerprint.to_bytes)


def band_ranges() -> tuple[tuple[int, int], ...]:
    """(start, end) signature positions of each band of the indexed banding."""
    return tuple((i * ROWS, (i + 1) * ROWS) for i in range(BANDS))


def band_expression(start: int, end: int) -> str:
    """SQL for one band of the stored signature (the same text in index and query, so
    SQLite uses the expression index)."""
    return f"substr(minhash, {VALUE_BYTES * start + 1}, {VALUE_BYTES * (end - start)})"


def band_indexes() -> list[str]:
    """CREATE INDEX statements, one per band of the indexed banding."""
    return [f"create index if not exists article_fingerprints_band{i} on article_fingerprints "
            f"({band_expression(s, e)})" for i, (s, e) in enumerate(band_ranges())]


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
            else:  # a database made by an earlier version: its rows get the new columns empty
                have = db[name].columns_dict
                for column, kind in columns.items():
                    if column not in have:
                        db[name].add_column(column, kind)
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


def transaction(db: sqlite_utils.Database):
    """One transaction around the whole block. Not `with db.conn:`: sqlite-utils 4's
    Table.insert/insert_all open and commit a transaction of their own when none is open
    (Python's implicit one only begins at the first DML statement), so each insert was
    committed alone and a crash could leave half an article, which the next run then took
    for stored. Database.atomic() begins at once and nests inserts as savepoints."""
    atomic = getattr(db, "atomic", None)  # sqlite-utils >= 4
    return atomic() if atomic is not None else db.conn


