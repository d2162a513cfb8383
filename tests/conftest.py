"""Shared fixtures: the whole corpus/ ingested once per test session into a tmp database.

Tests that only read use `kb_path` / `db`; tests that write make their own database
(copy it with `copy_db`) so the shared one stays as ingested.
"""
from __future__ import annotations

import asyncio
import re
import socket
import sqlite3
import time
import urllib.request
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from datasette.app import Datasette

from extract.clean.script import to_simplified
from kb.store.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
CORPUS_FILES = sorted(p.name for p in CORPUS.glob("*.txt"))

A000 = "000_bc4a86700b171b97.txt"
A002 = "002_2bd0eb9c5c11ef90.txt"

# a Han character followed by a parenthesised pinyin syllable: 個(gè), 務(wù)
PINYIN_ANNOTATION = re.compile(r"([\u3400-\u9fff])[(（]([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7})[)）]")


def strip_pinyin(text: str) -> str:
    return PINYIN_ANNOTATION.sub(r"\1", text)


def normalise_raw(raw: str) -> str:
    """A raw slice as the analysis sees it, roughly: simplified, pinyin readings removed."""
    return strip_pinyin(to_simplified(raw))


def copy_db(src: str | Path, dst: str | Path) -> Path:
    """A consistent copy of a (WAL-mode) SQLite database."""
    with sqlite3.connect(str(src)) as s, sqlite3.connect(str(dst)) as d:
        s.backup(d)
    s.close()
    d.close()
    return Path(dst)


def secondary_index_names() -> set[str]:
    """The names of every secondary index kb.db.INDEXES defines."""
    from kb.store.schema import INDEXES, index_name

    return {index_name(t, cols) for t, indexes in INDEXES.items() for cols in indexes}


def row_counts(db_path: str | Path, tables=("articles", "sections", "sentences", "claims", "mentions",
                                            "claim_laws", "edits", "signals", "laws", "entities")) -> dict:
    conn = sqlite3.connect(str(db_path))
    try:
        return {t: conn.execute(f"select count(*) from [{t}]").fetchone()[0] for t in tables}
    finally:
        conn.close()


def kb_counts(path: str | Path) -> dict[str, int]:
    """What a knowledge base's landing page should show, counted apart from kb/publish/landing.py:
    articles, claims, claims by type:T and stance:S, laws cited, repeated-claim clusters."""
    conn = sqlite3.connect(str(path))
    try:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        counts = {"articles": one("select count(*) from articles"), "claims": one("select count(*) from claims"),
                  "laws_cited": one("select count(*) from (select distinct l.id from laws l "
                                    "join claim_laws cl on cl.law_id = l.id)")}
        if one("select count(*) from sqlite_master where name = 'claim_clusters'"):  # built by kb graph
            counts["repeated_clusters"] = one("select count(*) from claim_clusters where n_independent_articles >= 2")
        counts |= {f"type:{t}": n for t, n in conn.execute("select type, count(*) from claims group by 1")}
        counts |= {f"stance:{s}": n for s, n in conn.execute("select stance, count(*) from claims "
                                                             "where stance is not null group by 1")}
        return counts
    finally:
        conn.close()


@pytest.fixture(scope="session")
def corpus_summary(tmp_path_factory):
    """(db path, Summary) of ingesting the whole corpus once. The file is named kb.db so
    Datasette serves it as /kb, as metadata.yml expects."""
    path = tmp_path_factory.mktemp("kb") / "kb.db"
    summary = ingest([str(CORPUS)], str(path))
    assert summary.failed == 0, summary.errors
    assert summary.added == len(CORPUS_FILES)
    return path, summary


@pytest.fixture(scope="session")
def kb_path(corpus_summary) -> Path:
    return corpus_summary[0]


@pytest.fixture
def db(kb_path):
    database = sqlite_utils.Database(str(kb_path))
    yield database
    database.close()


@pytest.fixture
def article(db):
    """article(name) → the articles row of corpus/<name>."""
    def get(name: str) -> dict:
        rows = list(db.query("select * from articles where source = ?", [str(CORPUS / name)]))
        assert len(rows) == 1, f"expected one article for {name}, found {len(rows)}"
        return rows[0]
    return get


METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))


def datasette_get(*db_paths: str | Path, metadata: dict | None = METADATA):
    """get(path, **params) → a response of Datasette serving db_paths in process, with
    metadata.yml (None: none, the plugin gives it) and the project's plugin."""
    ds = Datasette([str(p) for p in db_paths], metadata=metadata)
    return lambda url, **params: asyncio.run(ds.client.get(url, params=params or None))


@pytest.fixture(scope="session")
def graph_kb_path(kb_path, tmp_path_factory) -> Path:
    """A copy of the corpus database with claim clusters and the graph built."""
    from kb.graph.build import rebuild

    path = copy_db(kb_path, tmp_path_factory.mktemp("graph") / "kb.db")
    rebuild(str(path))
    return path


def free_port() -> int:
    """A TCP port nothing listens on now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, tries: int = 150) -> bytes:
    """The body at `url` once a server started by a test answers there."""
    for _ in range(tries):
        try:
            return urllib.request.urlopen(url, timeout=1).read()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered at {url}")
