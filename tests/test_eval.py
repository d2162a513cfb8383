"""`kb eval`: the project's own scorer, by the rule of ../shared/eval/score.py, works in a
fresh clone (gold from tests/gold), says what is wrong in one line, and groups mistakes by
confusion."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import ROOT
from kb.cli import cli

SHARED_SCORER = ROOT.parent / "shared" / "eval" / "score.py"
GOLD = sorted(str(p) for p in (ROOT / "tests" / "gold").glob("*.jsonl"))


def kb_eval(*args):
    return CliRunner().invoke(cli, ["eval", *map(str, args)])


@pytest.mark.skipif(not SHARED_SCORER.exists(), reason="../shared/eval/score.py is not beside this checkout")
def test_kb_eval_agrees_with_the_shared_scorer(kb_path):
    ours = json.loads(kb_eval("--db", kb_path, "--json").output)["all"]
    theirs = json.loads(subprocess.run([sys.executable, str(SHARED_SCORER), str(kb_path), *GOLD, "--all", "--json"],
                                       capture_output=True, text=True, check=True).stdout)
    for t, m in theirs["by_type"].items():
        assert {k: ours["by_type"][t][k] for k in ("tp", "fp", "fn")} == {k: m[k] for k in ("tp", "fp", "fn")}
    assert ours["stance_accuracy"] == pytest.approx(theirs["stance_accuracy"])
    assert ours["micro"]["f1"] == pytest.approx(theirs["micro"]["f1"])


def test_kb_eval_defaults_to_the_repositorys_gold_and_prints_the_table(kb_path):
    result = kb_eval("--db", kb_path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["type", "P", "R", "F1", "tp", "fp", "fn"]
    assert [line.split()[0] for line in lines[1:5]] == ["legality", "procedure", "risk", "mitigation"]
    assert lines[5].startswith("stance accuracy ") and "articles 85" in lines[5]
    assert lines[6].startswith("micro P ")


def test_kb_eval_groups_mistakes_by_confusion(kb_path):
    result = kb_eval("--db", kb_path, "--errors", "3")
    assert result.exit_code == 0
    out = result.output.split("most frequent confusions")[1].splitlines()[1:]
    groups = [line for line in out if not line.startswith("      ")]
    assert len(groups) == 3
    counts = [int(g.rsplit(": ", 1)[1]) for g in groups]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    assert all(" -> " in g for g in groups)


@pytest.mark.parametrize("args, message", [
    (["--db", "no-such.db"], "no-such.db: no such database (run kb ingest first)"),
    (["missing.jsonl"], "missing.jsonl: no such gold file"),
])
def test_kb_eval_says_what_is_missing_in_one_line(kb_path, tmp_path, args, message):
    args = args if "--db" in args else [*args, "--db", kb_path]
    result = CliRunner().invoke(cli, ["eval", *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: {message}"]
