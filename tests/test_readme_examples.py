"""Every `sqlite3 kb.db "…"` example in the README runs on the ingested corpus and
returns rows, so the docs cannot drift from the database."""
from __future__ import annotations

import re

import pytest

from conftest import ROOT

EXAMPLES = re.findall(r'^\s+sqlite3 kb\.db "(.+)"\s*$', (ROOT / "README.md").read_text(encoding="utf-8"), re.M)


def test_the_readme_has_examples():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("sql", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_readme_example_runs_and_returns_rows(db, sql):
    rows = list(db.execute(sql).fetchall())
    assert rows, sql
