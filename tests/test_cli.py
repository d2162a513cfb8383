"""The command line is consistent: every command that reads or writes a database takes it
as --db; `kb graph` alone says what the graph holds."""
from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from kb.cli import cli


def commands(group: click.Group = cli, prefix: str = ""):
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from commands(cmd, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", cmd


def test_every_command_with_a_database_takes_db():
    with_db = {name for name, cmd in commands() if any("--db" in p.opts for p in cmd.params
                                                       if isinstance(p, click.Option))}
    assert {"ingest", "serve", "eval", "graph", "export graph"} <= with_db
    for name, cmd in commands():
        for p in cmd.params:
            # the knowledge base (not a second database such as train-claims' --silver)
            if p.name in ("db_path", "db_arg") and name not in with_db:
                raise AssertionError(f"kb {name} takes a database without --db")


def test_graph_alone_prints_the_graphs_state(graph_kb_path):
    result = CliRunner().invoke(cli, ["graph", "--db", str(graph_kb_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("nodes: ") and "claim " in lines[0]
    assert lines[1].startswith("edges: ")
    assert "graph is current" in lines


def test_graph_alone_on_a_database_without_graph(kb_path, tmp_path):
    from conftest import copy_db

    path = copy_db(kb_path, tmp_path / "plain.db")
    import sqlite3
    conn = sqlite3.connect(str(path))
    for t in ("nodes", "edges", "graph_state"):
        conn.execute(f"drop table if exists [{t}]")
    conn.commit()
    conn.close()
    result = CliRunner().invoke(cli, ["graph", "--db", str(path)])
    assert result.exit_code == 0
    assert "no graph yet" in result.output


def test_serve_takes_the_database_once(kb_path, tmp_path):
    other = tmp_path / "other.db"
    other.write_bytes(b"")
    result = CliRunner().invoke(cli, ["serve", str(kb_path), "--db", str(other)])
    assert result.exit_code == 2 and "give the database once" in result.output


@pytest.mark.parametrize("args, shown", [(["corpus-folder"], True), (["corpus-folder", "-q"], False),
                                         (["one-file"], False)])
def test_ingest_shows_a_progress_bar_for_many_files_unless_quiet(args, shown, tmp_path):
    from conftest import CORPUS

    files = sorted(CORPUS.glob("h0*.txt"))[:3]
    folder = tmp_path / "articles"
    folder.mkdir()
    for f in files:
        (folder / f.name).write_bytes(f.read_bytes())
    paths = {"corpus-folder": str(folder), "one-file": str(folder / files[0].name)}
    argv = ["ingest", *[paths.get(a, a) for a in args], "--db", str(tmp_path / "kb.db"), "--no-graph"]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 0, result.output
    assert ("3/3" in result.stderr) is shown, result.stderr
