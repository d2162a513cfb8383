"""Crash safety: `kb ingest` killed with SIGKILL in the middle of a run leaves a sound
database (whole articles only), and running it again completes the job."""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import secondary_index_names
from generated import write_articles
from kb.store.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
N_ARTICLES = 160
KILL_AFTER = 15  # articles stored before the kill

CHILD_TABLES = ("sections", "sentences", "claims", "mentions", "edits", "signals", "procedure_steps", "faq",
                "article_fingerprints")


def count(conn, sql, params=()):
    return conn.execute(sql, params).fetchone()[0]


def check_consistent(db_path: Path) -> int:
    """Assert the database is sound and every stored article whole; return the article count."""
    conn = sqlite3.connect(str(db_path))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        for table in CHILD_TABLES:
            assert count(conn, f"select count(*) from [{table}] where article_id not in "
                               f"(select id from articles)") == 0, f"orphan {table} rows"
        assert count(conn, "select count(*) from claim_laws where claim_id not in (select id from claims)") == 0
        assert count(conn, "select count(*) from claims where sentence_id not in (select id from sentences)") == 0
        # every article has all its rows: the counts it was stored with match its child rows
        assert count(conn, "select count(*) from articles a where n_claims != "
                           "(select count(*) from claims c where c.article_id = a.id)") == 0
        assert count(conn, "select count(*) from articles a where n_sentences != "
                           "(select count(*) from sentences s where s.article_id = a.id)") == 0
        assert count(conn, "select count(*) from articles a where not exists "
                           "(select 1 from article_fingerprints f where f.article_id = a.id)") == 0
        assert count(conn, "select count(*) from articles a where not exists "
                           "(select 1 from sections s where s.article_id = a.id)") == 0
        return count(conn, "select count(*) from articles")
    finally:
        conn.close()


def article_count(db_path: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            return count(conn, "select count(*) from articles")
        finally:
            conn.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


def missing_indexes(db_path: Path) -> set[str]:
    conn = sqlite3.connect(str(db_path))
    try:
        present = {r[0] for r in conn.execute("select name from sqlite_master where type = 'index'")}
    finally:
        conn.close()
    return secondary_index_names() - present


def test_killed_ingest_leaves_whole_articles_and_a_rerun_completes(tmp_path):
    folder = tmp_path / "in"
    paths = write_articles(folder, N_ARTICLES, seed=7, paragraphs=(2, 4))
    db_path = tmp_path / "kb.db"
    proc = subprocess.Popen([sys.executable, "-m", "kb", "ingest", str(folder), "--db", str(db_path), "-q",
                             "--no-graph", "--batch-size", "10"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while article_count(db_path) <= KILL_AFTER:
            assert proc.poll() is None, f"ingest ended before it was killed: {proc.stderr.read()!r}"
            assert time.monotonic() < deadline, "ingest too slow"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == -signal.SIGKILL

    stored = check_consistent(db_path)
    assert KILL_AFTER < stored < N_ARTICLES, "the kill did not land in the middle of the run"

    # the run was a bulk load into an empty database: killed, it left its secondary
    # indexes dropped (kb.store.articles.bulk_load); the next run builds them before it stores
    summary = ingest([str(folder)], str(db_path))
    assert missing_indexes(db_path) == set()
    assert summary.failed == 0, summary.errors
    assert summary.unchanged == stored
    assert summary.added == N_ARTICLES - stored
    assert check_consistent(db_path) == N_ARTICLES
    conn = sqlite3.connect(str(db_path))
    try:
        sources = [r[0] for r in conn.execute("select source from articles")]
    finally:
        conn.close()
    assert len(sources) == len(set(sources)) == N_ARTICLES
    assert set(sources) == {str(p) for p in paths}


def test_an_article_that_fails_half_way_through_storing_leaves_no_rows(tmp_path, monkeypatch):
    """Deterministic counterpart of the kill test: an error after some of an article's rows
    were inserted rolls all of them back (the inserts of sqlite-utils must not commit on
    their own), and the next run stores the article whole."""
    import kb.store.articles

    paths = write_articles(tmp_path / "in", 2, seed=3)
    db_path = tmp_path / "kb.db"
    ingest([str(paths[0])], str(db_path))
    real = kb.store.articles._assign_ids

    def failing(db, table, rows):
        if table == "edits":  # the last rows stored for an article
            raise RuntimeError("simulated crash")
        return real(db, table, rows)
    monkeypatch.setattr(kb.store.articles, "_assign_ids", failing)
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest([str(paths[1])], str(db_path))
    assert check_consistent(db_path) == 1
    monkeypatch.setattr(kb.store.articles, "_assign_ids", real)
    summary = ingest([str(tmp_path / "in")], str(db_path))
    assert (summary.added, summary.unchanged) == (1, 1)
    assert check_consistent(db_path) == 2
