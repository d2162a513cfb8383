"""Concurrent use: Datasette serving the database while `kb ingest` writes to it. Readers
see WAL snapshots, so every request succeeds (no "database is locked")."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import CORPUS, free_port
from generated import write_articles
from kb.store.schema import open_db

ROOT = Path(__file__).resolve().parent.parent
MAX_REQUESTS = 100
MAX_SECONDS = 20


def fetch(url: str, timeout: float = 10) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_datasette_reads_while_ingest_writes(tmp_path):
    folder = tmp_path / "in"
    write_articles(folder, 250, seed=11, paragraphs=(2, 4))
    db_path = tmp_path / "kb.db"  # served as /kb
    open_db(str(db_path)).close()  # the schema exists (and WAL is on) before Datasette opens it
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = writer = None
    try:
        server = subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(db_path), "--port", str(port),
                                   "-h", "127.0.0.1"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.stderr.read().decode()
            try:
                if fetch(f"{base}/-/versions.json", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "datasette did not start"
            time.sleep(0.1)
        writer = subprocess.Popen([sys.executable, "-m", "kb", "ingest", str(folder), "--db", str(db_path), "-q"],
                                  cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        start, seen_counts, during_ingest = time.monotonic(), set(), 0
        for i in range(MAX_REQUESTS):
            if time.monotonic() - start > MAX_SECONDS:
                break
            running = writer.poll() is None
            path = "/kb/claims.json" if i % 2 else "/kb/articles.json?_size=1"
            status, body = fetch(base + path)
            assert "database is locked" not in body, path
            assert status == 200, (path, status, body[:500])
            data = json.loads(body)
            assert "rows" in data
            if "articles" in path:
                seen_counts.add(data.get("filtered_table_rows_count"))
            during_ingest += running
            time.sleep(0.03)  # spread the requests over the ingest
        assert during_ingest >= 10, "the ingest finished before the requests could overlap it"
        assert len(seen_counts) > 1, "the article count never changed while reading"
    finally:
        stop(writer)
        stop(server)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ingest_changes_the_schema_readers_see_a_few_times_only(tmp_path, jobs):
    """Every schema change a reader sees can fail a query of Datasette that is being
    prepared on a full-text table ("vtable constructor failed: claims_fts"): the bulk
    load's dropped indexes, their rebuild and the graph tables each change it in one
    transaction, not one index or table at a time."""
    db_path = tmp_path / "kb.db"
    open_db(str(db_path)).close()
    writer = subprocess.Popen([sys.executable, "-m", "kb", "ingest", str(CORPUS), "--db", str(db_path), "-q",
                               "-j", jobs], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    reader = sqlite3.connect(str(db_path))
    try:
        versions = [reader.execute("pragma schema_version").fetchone()[0]]
        while writer.poll() is None:
            version = reader.execute("pragma schema_version").fetchone()[0]
            if version != versions[-1]:
                versions.append(version)
        assert writer.returncode == 0, writer.stderr.read().decode()
        versions.append(reader.execute("pragma schema_version").fetchone()[0])
    finally:
        reader.close()
        stop(writer)
    changes = len(set(versions)) - 1
    assert 1 <= changes <= 3, versions
