"""Bad input: every kind of file `kb ingest` refuses, with the one line the user sees for it.

Cases already covered one by one elsewhere (test_decode.py: empty, PNG, undetectable
encoding, truncated last character; test_formats.py: HTML without text, JSONL lines;
test_ingest.py: a missing path) are listed once more here in the table-driven CLI test,
which checks what a user sees when they are all in one run next to good files."""
from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import A000, A002, CORPUS
from extract.formats import MAX_BYTES
from kb.cli import cli
from kb.store.ingest import find_files, ingest

TEXT_000 = (CORPUS / A000).read_text(encoding="utf-8")
TEXT_002 = (CORPUS / A002).read_text(encoding="utf-8")
LATIN_1 = ("Le recouvrement des créances par carte de crédit est confié à des sociétés externes. "
           "Est-ce légal ? Ça dépend des règles de la banque.\n").encode("latin-1")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
EMPTY_PAGE = ("<html><head><title>信用卡委外催收</title></head><body><nav>首页 新闻</nav>"
              "<script>var a = 1;</script><footer>版权所有</footer></body></html>")
GOOD_LINE = {"url": "https://example.com/a", "title": "催收", "text": TEXT_002}


def _db_rows(db_path: Path) -> dict:
    conn = sqlite3.connect(str(db_path))
    try:
        return {
            "sources": sorted(r[0] for r in conn.execute("select source from articles")),
            "orphans": sum(conn.execute(f"select count(*) from [{t}] where article_id not in "
                                        f"(select id from articles)").fetchone()[0]
                           for t in ("sections", "sentences", "claims", "mentions", "edits", "signals")),
            "bad_counts": conn.execute("select count(*) from articles a where n_claims != "
                                       "(select count(*) from claims c where c.article_id = a.id)").fetchone()[0],
        }
    finally:
        conn.close()


def make_bad_inputs(folder: Path) -> list[tuple[str, Path | str, str]]:
    """(case, path given to kb ingest, the exact line on stderr: error, skipped or warning)."""
    folder.mkdir()
    cases = []

    def add(case, name, data, message):
        p = folder / name
        p.write_bytes(data)
        cases.append((case, p, message.format(p=p)))

    add("empty file", "empty.txt", b"", "error: {p}: empty file")
    add("whitespace only", "blank.txt", b" \n\r\n\t\n", "error: {p}: no text, only whitespace")
    add("PNG image", "image.png", PNG, "skipped: {p}: not a text format (.png), skipped")
    add("PDF named on the command line", "report.pdf", b"%PDF-1.4\n" + TEXT_000.encode("utf-8"),
        "skipped: {p}: not a text format (.pdf), skipped")
    # the content decides, whatever the name says
    add("PNG named .txt", "image.txt", PNG, "skipped: {p}: binary data (a PNG image), skipped")
    add("PDF named .txt", "report.txt", b"%PDF-1.4\n" + TEXT_000.encode("utf-8"),
        "skipped: {p}: binary data (a PDF document), skipped")
    add("Word file without extension", "letter", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048),
        "skipped: {p}: binary data (an old Word/Excel/PowerPoint file), skipped")
    # cut in the middle of the last character: ingested, the partial character dropped, a warning
    add("truncated UTF-8", "cut.txt", TEXT_000.rstrip().encode("utf-8")[:-1],
        "warning: {p}: cut inside its last character (dropped)")
    damaged = TEXT_002.encode("utf-8")
    at = damaged.index("催收".encode("utf-8"))
    add("invalid bytes", "damaged.txt", damaged[:at] + b"\xff\xfe" + damaged[at:],
        "warning: {p}: 2 invalid bytes replaced by U+FFFD")
    add("undetectable encoding", "latin1.txt", LATIN_1,
        "error: {p}: cannot detect the text encoding: not UTF-8 (invalid byte at line 1, byte offset 22), "
        "nor GB18030/GBK or Big5 Chinese text; save the file as UTF-8")
    add("HTML without article text", "page.html", EMPTY_PAGE.encode("utf-8"),
        "error: {p}: HTML page with no article text")
    jsonl = folder / "feed.jsonl"
    jsonl.write_text("\n".join([json.dumps(GOOD_LINE, ensure_ascii=False),
                                '{"title": "坏行", "text": "催收是否合法',
                                json.dumps({"title": "没有正文", "url": "https://example.com/b"})]) + "\n",
                     encoding="utf-8")
    cases.append(("JSONL malformed line", jsonl,
                  f"error: {jsonl}:2: malformed JSON line: Unterminated string starting at: line 1 column 25 "
                  f"(char 24)"))
    cases.append(("JSONL line without text", jsonl,
                  f"error: {jsonl}:3: no article text (expected a 'text' or 'html' field)"))
    big = folder / "big.txt"
    write_big(big, 50 * 2**20)
    cases.append(("50 MB text file", big,
                  f"error: {big}: {big.stat().st_size:,} bytes is over the size limit of {MAX_BYTES:,} "
                  f"(see --max-bytes)"))
    missing = folder / "no such.txt"
    cases.append(("path that does not exist", missing, f"error: {missing}: no such file or directory"))
    return cases


def write_big(path: Path, size: int) -> None:
    """A text file of `size` bytes or a little more, made of corpus text."""
    chunk = (TEXT_000 + "\n" + TEXT_002 + "\n").encode("utf-8")
    with open(path, "wb") as fh:
        for _ in range(size // len(chunk) + 1):
            fh.write(chunk)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_every_bad_input_in_one_run(tmp_path, jobs):
    """One `kb ingest` over good and bad files: one line per bad file (with its line for
    JSONL) saying whether it failed, was skipped or was stored with a warning; the good files,
    the damaged ones and good JSONL lines ingested, exit status 1, nothing else written; the
    same when worker processes analyse and store them."""
    cases = make_bad_inputs(tmp_path / "in")
    good = tmp_path / "in" / A000
    good.write_text(TEXT_000, encoding="utf-8")
    paths = list(dict.fromkeys(str(p) for _, p, _ in cases)) + [str(good)]
    db_path = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["ingest", *paths, "--db", str(db_path), "-q", "--no-graph", "-j", jobs])
    assert result.exit_code == 1, result.output
    errors = result.stderr.strip().splitlines()
    for case, _, message in cases:
        assert message in errors, f"{case}: {message!r} not in {errors}"
    assert len(errors) == len(cases)  # one line each, nothing else (no traceback)
    kinds = [m.split(":")[0] for _, _, m in cases]
    # summary line: 4 stored (good file, truncated file, damaged file, good JSONL line)
    summary = result.stdout.strip().splitlines()
    assert len(summary) == 1
    assert summary[0].startswith(f"articles: 4 added, 0 replaced, 0 unchanged, {kinds.count('error')} failed; "
                                 f"files skipped: {kinds.count('skipped')}; ")
    rows = _db_rows(db_path)
    jsonl = next(p for c, p, _ in cases if c.startswith("JSONL"))
    assert rows["sources"] == sorted([str(good), str(tmp_path / "in" / "cut.txt"),
                                      str(tmp_path / "in" / "damaged.txt"), f"{jsonl}#1"])
    assert rows["orphans"] == 0 and rows["bad_counts"] == 0


@pytest.mark.parametrize("case,counted", [
    ("empty file", "1 failed"), ("PNG image", "files skipped: 1"), ("PNG named .txt", "files skipped: 1"),
    ("undetectable encoding", "1 failed"), ("HTML without article text", "1 failed"),
    ("50 MB text file", "1 failed"), ("path that does not exist", "1 failed")])
def test_each_bad_input_alone_fails_and_writes_no_article(case, counted, tmp_path):
    cases = {c: (p, m) for c, p, m in make_bad_inputs(tmp_path / "in")}
    path, message = cases[case]
    db_path = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["ingest", str(path), "--db", str(db_path), "-q"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [message]
    assert "0 added" in result.stdout and counted in result.stdout
    assert _db_rows(db_path)["sources"] == []


@pytest.mark.parametrize("case,replaced,truncated", [("truncated UTF-8", 0, 1), ("invalid bytes", 2, 0)])
def test_damaged_text_is_stored_with_its_damage_counted(case, replaced, truncated, tmp_path):
    """A file cut inside a character or holding a few invalid bytes is an article with a scar:
    stored, the warning names it, and its cleaning record keeps what was repaired."""
    path, message = {c: (p, m) for c, p, m in make_bad_inputs(tmp_path / "in")}[case]
    db_path = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["ingest", str(path), "--db", str(db_path), "-q", "--no-graph"])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().splitlines() == [message]
    conn = sqlite3.connect(str(db_path))
    assert conn.execute("select source, replaced_bytes, truncated from articles").fetchall() == [
        (str(path), replaced, truncated)]
    assert conn.execute("select count(*) from claims").fetchone()[0] > 0


def test_small_max_bytes_refuses_with_the_size(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(TEXT_000, encoding="utf-8")
    size = path.stat().st_size
    result = CliRunner().invoke(cli, ["ingest", str(path), "--db", str(tmp_path / "kb.db"), "-q",
                                      "--max-bytes", "1000"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {path}: {size:,} bytes is over the size limit of 1,000 (see --max-bytes)"
    # the limit is inclusive: a file of exactly --max-bytes is read
    ok = CliRunner().invoke(cli, ["ingest", str(path), "--db", str(tmp_path / "kb.db"), "-q",
                                  "--max-bytes", str(size), "--no-graph"])
    assert ok.exit_code == 0, ok.output


def test_default_limit_refuses_50_mb_without_reading_it(tmp_path, monkeypatch):
    """The default limit (20 MB) is checked from the file size, before reading a byte."""
    assert 1_000_000 <= MAX_BYTES < 50 * 2**20
    big = tmp_path / "big.txt"
    write_big(big, 50 * 2**20)

    def no_read(self):
        raise AssertionError("read a file over the size limit")
    monkeypatch.setattr(Path, "read_bytes", no_read)
    summary = ingest([str(big)], str(tmp_path / "kb.db"))
    assert (summary.added, summary.failed) == (0, 1)
    assert summary.errors == [f"{big}: {big.stat().st_size:,} bytes is over the size limit of {MAX_BYTES:,} "
                              f"(see --max-bytes)"]


def test_a_folder_walk_names_every_file_it_skips(tmp_path):
    """Files of other types inside a folder are not read, but each is named with the reason,
    counted, and make the exit status non-zero: a folder is fully accounted for."""
    folder = tmp_path / "in"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "image.png").write_bytes(PNG)
    (folder / "notes.docx").write_bytes(b"PK\x03\x04" + bytes(100))
    (folder / A000).write_text(TEXT_000, encoding="utf-8")
    # hidden files and folders are no part of a folder's articles: not read, not counted
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1" + bytes(100))
    (folder / ".complete").write_bytes(b"")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(tmp_path / "kb.db"), "-q", "--no-graph"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"skipped: {folder / 'notes.docx'}: not a text format (.docx), skipped",
        f"skipped: {folder / 'img' / 'image.png'}: not a text format (.png), skipped"]
    assert "1 added" in result.stdout and "0 failed" in result.stdout and "files skipped: 2" in result.stdout


# --- directories that cannot be read ---------------------------------------------------------

@pytest.mark.skipif(os.geteuid() == 0, reason="root reads directories whatever their mode (chmod 000 does "
                                               "not block it); the simulated tests below cover the code path")
def test_unreadable_directory_for_real(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / A000).write_text(TEXT_000, encoding="utf-8")
    folder.chmod(0)
    try:
        result = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(tmp_path / "kb.db"), "-q"])
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {folder}: cannot read directory (permission denied)"


@pytest.fixture
def locked_folder(tmp_path, monkeypatch):
    """A folder os.access says cannot be read (simulated: the tests run as root in CI)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / A000).write_text(TEXT_000, encoding="utf-8")
    real_access = os.access
    monkeypatch.setattr(os, "access",
                        lambda p, mode, **kw: False if Path(p) == folder else real_access(p, mode, **kw))
    return folder


def test_unreadable_directory_is_an_error_and_the_rest_is_ingested(locked_folder, tmp_path):
    good = tmp_path / A002
    good.write_text(TEXT_002, encoding="utf-8")
    summary = ingest([str(locked_folder), str(good)], str(tmp_path / "kb.db"))
    assert (summary.added, summary.failed) == (1, 1)
    assert summary.errors == [f"{locked_folder}: cannot read directory (permission denied)"]


def test_unreadable_directory_given_on_the_command_line(locked_folder, tmp_path):
    good = tmp_path / A002
    good.write_text(TEXT_002, encoding="utf-8")
    result = CliRunner().invoke(cli, ["ingest", str(locked_folder), str(good), "--db", str(tmp_path / "kb.db"),
                                      "-q", "--no-graph"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {locked_folder}: cannot read directory (permission denied)"
    assert "1 added" in result.stdout and "1 failed" in result.stdout


def test_unreadable_subdirectory_is_reported_not_skipped_silently(tmp_path, monkeypatch):
    """A subfolder that cannot be listed is an error naming it; its siblings are still read."""
    top = tmp_path / "in"
    (top / "a").mkdir(parents=True)
    (top / "b").mkdir()
    (top / "a" / A000).write_text(TEXT_000, encoding="utf-8")
    (top / "b" / A002).write_text(TEXT_002, encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == top / "b":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)
    monkeypatch.setattr(os, "scandir", scandir)
    found = [str(x) for x in find_files([top])]
    assert found == [str(top / "a" / A000), f"{top / 'b'}: cannot read directory (permission denied)"]
