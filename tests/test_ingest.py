"""Ingestion: idempotent, incremental, and bad input reported and skipped."""
from __future__ import annotations

import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from conftest import A000, A002, CORPUS, CORPUS_FILES, copy_db, row_counts, secondary_index_names
from kb.cli import cli
from kb.store.ingest import ingest

H005 = "h005.txt"  # ends in a body paragraph, so an appended sentence is body text
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def sources(db_path) -> list[str]:
    conn = sqlite3.connect(str(db_path))
    try:
        return [r[0] for r in conn.execute("select source from articles order by source")]
    finally:
        conn.close()


def orphans(db_path) -> dict:
    conn = sqlite3.connect(str(db_path))
    try:
        out = {t: conn.execute(f"select count(*) from [{t}] where article_id not in (select id from articles)").fetchone()[0]
               for t in ("sections", "sentences", "claims", "mentions", "edits", "signals")}
        out["claim_laws"] = conn.execute(
            "select count(*) from claim_laws where claim_id not in (select id from claims)").fetchone()[0]
        return out
    finally:
        conn.close()


def test_first_ingest_stores_every_article(corpus_summary):
    path, summary = corpus_summary
    assert (summary.added, summary.replaced, summary.unchanged, summary.failed) == (len(CORPUS_FILES), 0, 0, 0)
    counts = row_counts(path)
    assert counts["articles"] == len(CORPUS_FILES) == 85
    assert summary.claims == counts["claims"] > 0
    assert sources(path) == [str(CORPUS / name) for name in CORPUS_FILES]


def index_names(db_path) -> set[str]:
    conn = sqlite3.connect(str(db_path))
    try:
        return {r[0] for r in conn.execute("select name from sqlite_master where type = 'index' and sql is not null")}
    finally:
        conn.close()


def test_first_ingest_into_an_empty_database_ends_with_every_index(kb_path, tmp_path):
    """A bulk load drops the secondary indexes while it stores (kb.store.articles.bulk_load): it must
    build them all again, the same as an ingest into a database that had articles."""
    path = tmp_path / "kb.db"
    ingest([str(CORPUS / A000)], str(path))  # not empty now: the next ingest keeps its indexes
    ingest([str(CORPUS)], str(path))
    expected = secondary_index_names()
    assert expected <= index_names(kb_path)
    assert index_names(kb_path) == index_names(path)
    assert row_counts(kb_path) == row_counts(path)


@pytest.mark.parametrize("articles, options", [
    (3, ["-j", "1"]), (3, ["-j", "2"]), (3, ["-j", "2", "--no-graph"]), (0, ["-j", "2"])],
    ids=["graph", "graph-2-jobs", "no-graph", "nothing-stored"])
def test_kb_ingest_into_an_empty_database_ends_with_every_index(tmp_path, articles, options):
    """`kb ingest` leaves the indexes its bulk load dropped to the graph rebuild (which
    builds them while a second process clusters the claims): every path through the
    command must still end with all of them, also when no article was stored."""
    bad = tmp_path / "not-an-article.png"
    bad.write_bytes(PNG_HEADER)
    paths = [str(CORPUS / name) for name in CORPUS_FILES[:articles]] or [str(bad)]
    db_path = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["ingest", *paths, "--db", str(db_path), "-q", *options])
    assert result.exit_code == (0 if articles else 1), result.output
    assert secondary_index_names() <= index_names(db_path)


def test_second_ingest_adds_nothing(kb_path, tmp_path):
    path = copy_db(kb_path, tmp_path / "kb.db")
    before = row_counts(path)
    summary = ingest([str(CORPUS)], str(path))
    assert summary.added == 0
    assert summary.replaced == 0
    assert summary.unchanged == len(CORPUS_FILES)
    assert summary.failed == 0
    assert summary.claims == 0
    assert row_counts(path) == before


def test_changed_file_replaces_its_rows(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    changed, other = folder / H005, folder / A000
    shutil.copy(CORPUS / H005, changed)
    shutil.copy(CORPUS / A000, other)
    db_path = tmp_path / "kb.db"
    first = ingest([str(folder)], str(db_path))
    assert (first.added, first.failed) == (2, 0)
    conn = sqlite3.connect(str(db_path))
    old_id = conn.execute("select id from articles where source = ?", [str(changed)]).fetchone()[0]
    other_before = conn.execute("select id, n_claims from articles where source = ?", [str(other)]).fetchone()
    conn.close()

    added = "催收公司不得在夜间拨打债务人的电话,否则属于违法催收。"
    with open(changed, "a", encoding="utf-8") as fh:
        fh.write("\n" + added + "\n")
    second = ingest([str(folder)], str(db_path))
    assert (second.added, second.replaced, second.unchanged, second.failed) == (0, 1, 1, 0)

    conn = sqlite3.connect(str(db_path))
    rows = conn.execute("select id from articles where source = ?", [str(changed)]).fetchall()
    assert len(rows) == 1
    new_id = rows[0][0]
    assert new_id != old_id
    for table in ("articles", "sections", "sentences", "claims", "mentions", "edits", "signals"):
        col = "id" if table == "articles" else "article_id"
        assert conn.execute(f"select count(*) from [{table}] where {col} = ?", [old_id]).fetchone()[0] == 0, table
    # the appended sentence is there, with its claim
    texts = [r[0] for r in conn.execute("select text from sentences where article_id = ?", [new_id])]
    assert added in texts
    assert conn.execute("select count(*) from claims where article_id = ? and text = ?", [new_id, added]).fetchone()[0] > 0
    # the other article is untouched
    assert conn.execute("select id, n_claims from articles where source = ?", [str(other)]).fetchone() == other_before
    assert conn.execute("select count(*) from articles").fetchone()[0] == 2
    conn.close()
    assert orphans(db_path) == dict.fromkeys(orphans(db_path), 0)


def test_cli_ingest_prints_a_one_line_summary(tmp_path):
    db_path = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["ingest", str(CORPUS / A000), str(CORPUS / A002), "--db", str(db_path), "-q"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert "2 added" in lines[0] and "0 failed" in lines[0]
    assert sources(db_path) == [str(CORPUS / A000), str(CORPUS / A002)]
    again = CliRunner().invoke(cli, ["ingest", str(CORPUS / A000), "--db", str(db_path), "-q"])
    assert again.exit_code == 0
    assert "0 added" in again.stdout and "1 unchanged" in again.stdout


@pytest.fixture
def mixed_folder(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(CORPUS / A000, folder / A000)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.txt").write_bytes(PNG_HEADER + bytes(4096))
    return folder


def test_bad_files_reported_and_skipped(mixed_folder, tmp_path):
    db_path = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["ingest", str(mixed_folder), "--db", str(db_path), "-q"])
    assert result.exit_code != 0
    assert "1 added" in result.stdout and "1 failed" in result.stdout and "files skipped: 1" in result.stdout
    assert f"error: {mixed_folder / 'empty.txt'}: empty file" in result.stderr
    assert f"skipped: {mixed_folder / 'image.txt'}: binary data (a PNG image), skipped" in result.stderr
    assert sources(db_path) == [str(mixed_folder / A000)]
    assert row_counts(db_path)["claims"] > 0


def test_bad_files_in_summary_errors(mixed_folder, tmp_path):
    summary = ingest([str(mixed_folder)], str(tmp_path / "kb.db"))
    assert (summary.added, summary.failed, summary.skipped) == (1, 1, 1)
    assert summary.errors == [f"{mixed_folder / 'empty.txt'}: empty file"]
    assert summary.skips == [f"{mixed_folder / 'image.txt'}: binary data (a PNG image), skipped"]


def test_missing_path_is_an_error(tmp_path):
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "nope"), "--db", str(tmp_path / "kb.db"), "-q"])
    assert result.exit_code != 0
    assert "nope" in result.stderr


def table_rows(db_path) -> dict[str, list[tuple]]:
    """Every row of every table (ids included, the time of ingestion left out)."""
    conn = sqlite3.connect(str(db_path))
    try:
        out = {}
        for (table,) in conn.execute("select name from sqlite_master where type = 'table' and name not like '%fts_%' "
                                     "and name not like 'sqlite_%'"):
            columns = [r[1] for r in conn.execute(f"pragma table_info([{table}])") if r[1] != "ingested_at"]
            columns = ["rowid", *columns] if table.endswith("_fts") else columns
            key = ", ".join(f"[{c}]" for c in columns)
            out[table] = conn.execute(f"select {', '.join(f'[{c}]' for c in columns)} from [{table}] "
                                      f"order by {key}").fetchall()
        return out
    finally:
        conn.close()


def test_parallel_ingest_stores_the_same_rows(tmp_path):
    """--jobs 2 stores what one process stores, row for row, ids and full-text index included."""
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    first = ingest([str(CORPUS)], str(one), jobs=1)
    second = ingest([str(CORPUS)], str(two), jobs=2)
    assert first.line() == second.line()
    rows = table_rows(one)
    assert rows == table_rows(two)
    assert {t for t, r in rows.items() if r} >= {"articles", "claims", "mentions", "signals", "claims_fts"}


def test_workers_are_kept_at_most_a_few_tasks_ahead_of_the_writer():
    """Rows wait in memory for the writer no longer than `ahead` tasks: the memory of a
    parallel ingest does not grow with the corpus."""
    from concurrent.futures import ThreadPoolExecutor

    from kb.store.ingest import _bounded_map

    submitted, taken = [], []

    def task(i):
        return i

    class Recording(ThreadPoolExecutor):
        def submit(self, fn, *args):
            submitted.append(args[0])
            return super().submit(fn, *args)

    with Recording(2) as pool:
        for result in _bounded_map(pool, task, range(50), ahead=4):
            taken.append(result)
            assert len(submitted) - len(taken) <= 4
    assert taken == list(range(50))


@pytest.mark.parametrize("n, jobs, most", [(2000, 2, 300), (45, 2, 300), (500, 4, 300), (1000, 2, 10), (3, 2, 300)])
def test_workers_take_large_chunks_in_the_middle_and_small_ones_at_the_ends(n, jobs, most):
    """Every file once, in order, in chunks of at most --batch-size (one transaction each):
    a small first chunk, so the others start storing soon; large ones while many files are
    left (fewer commits); small ones at the end, so no worker is left with a long last one."""
    from kb.store.ingest import CHUNK_MAX, CHUNK_MIN, CHUNK_SHARE, guided_chunks

    chunks = list(guided_chunks(list(range(n)), jobs, most))
    assert [i for c in chunks for i in c] == list(range(n))
    sizes = [len(c) for c in chunks]
    assert max(sizes) <= min(most, CHUNK_MAX) and sizes[0] <= CHUNK_MIN
    assert max(sizes[-jobs:]) <= CHUNK_MIN
    if most >= CHUNK_MAX and n > CHUNK_SHARE * CHUNK_MAX * jobs:  # many files: mostly large chunks
        assert max(sizes) == CHUNK_MAX and len(chunks) < n / CHUNK_MIN / 2


def test_file_overwritten_with_another_articles_text_drops_its_old_article(tmp_path):
    """A source whose new text is an article already stored from another file no longer
    holds its old article, and the shared article is stored once."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(CORPUS / "h005.txt", folder / "a.txt")
    shutil.copy(CORPUS / "h015.txt", folder / "b.txt")
    db_path = tmp_path / "kb.db"
    ingest([folder], str(db_path))
    shutil.copy(CORPUS / "h015.txt", folder / "a.txt")
    summary = ingest([folder], str(db_path))
    assert summary.replaced == 1 and summary.claims == 0
    with sqlite3.connect(db_path) as conn:
        texts = {row[0] for row in conn.execute("select raw_text from articles")}
        h005 = (CORPUS / "h005.txt").read_text(encoding="utf-8")
        assert h005 not in texts
        assert conn.execute("select count(*) from articles").fetchone()[0] == 1
    assert not any(orphans(db_path).values())


def test_every_claim_records_the_offline_model_that_made_it(db):
    from extract.claims import fitted_model

    extractors = {r[0] for r in db.execute("select distinct extractor from claims")}
    assert extractors == {f"offline:{fitted_model().version}"}


def test_a_database_made_before_a_column_existed_gets_it_on_open(tmp_path):
    import sqlite3

    from kb.store.schema import open_db

    path = tmp_path / "old.db"
    open_db(str(path)).close()
    con = sqlite3.connect(path)
    con.execute("drop index idx_claims_extractor")
    con.execute("alter table claims drop column extractor")
    con.close()
    ingest([str(CORPUS / "h004.txt")], str(path))
    con = sqlite3.connect(path)
    assert con.execute("select count(*) from claims where extractor like 'offline:%'").fetchone()[0] > 0
