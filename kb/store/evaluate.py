"""Scoring a knowledge base against gold files (`kb eval`), by the rule of
../shared/eval/score.py (extract/scoring.py), overall and per extractor: each article
counts for the extractor that made its claims (articles.extractor)."""
from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from pathlib import Path

import sqlite_utils

from extract.scoring import Mistake, Predicted, report, score_article


class EvalError(ValueError):
    """A missing database or gold file, or one that is not what it should be."""


def load_gold(paths: list[str]) -> dict[str, list[dict]]:
    gold: dict[str, list[dict]] = defaultdict(list)
    for path in paths:
        if not Path(path).is_file():
            raise EvalError(f"{path}: no such gold file")
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    rec = json.loads(line)
                    gold[rec["article"]].append(rec)
                except (json.JSONDecodeError, KeyError, TypeError):
                    raise EvalError(f"{path}:{n}: not a gold line (expected JSON with article, type, evidence)")
    return gold


def evaluate(db_path: str, gold_paths: list[str], exclude: set[str] = frozenset(),
             mistakes: list[Mistake] | None = None) -> dict:
    """{'all': report, 'by_extractor': {extractor: report}, 'excluded': [...]}: every
    article of the database is scored (its claims count as false when it has no gold line),
    but the `exclude`d names (file names, as in the gold)."""
    if not Path(db_path).is_file():
        raise EvalError(f"{db_path}: no such database (run kb ingest first)")
    gold = load_gold(gold_paths)
    db = sqlite_utils.Database(db_path)
    try:
        if "articles" not in db.table_names() or "claims" not in db.table_names():
            raise EvalError(f"{db_path}: not a knowledge base (no articles or claims table)")
        articles = _articles(db)
        claims = _claims(db)
    finally:
        db.close()
    total: Counter = Counter()
    by_extractor: dict[str, Counter] = defaultdict(Counter)
    n_by: Counter = Counter()
    scored = 0
    for aid, (name, raw, extractor) in articles.items():
        if name in exclude:
            continue
        counts = score_article(name, raw, gold.get(name, []), claims.get(aid, []), mistakes)
        total.update(counts)
        by_extractor[extractor].update(counts)
        n_by[extractor] += 1
        scored += 1
    missing = sorted(set(gold) - {name for name, _, _ in articles.values()} - set(exclude))
    return {"all": report(total, scored), "by_extractor": {e: report(c, n_by[e]) for e, c in by_extractor.items()},
            "excluded": sorted(exclude), "not_in_database": missing}


def _articles(db) -> dict[str, tuple[str, str, str]]:
    has_extractor = "extractor" in db["articles"].columns_dict
    sql = f"select id, source, raw_text, {'extractor' if has_extractor else 'null'} from articles"
    return {aid: (os.path.basename(str(source).split("#")[0]), raw or "", _kind(extractor))
            for aid, source, raw, extractor in db.execute(sql)}


def _kind(extractor: str | None) -> str:
    """offline (whatever the model's version) or llm:<model>@<prompt version>."""
    return "offline" if not extractor or extractor.startswith("offline") else extractor


def _claims(db) -> dict[str, list[Predicted]]:
    out: dict[str, list[Predicted]] = defaultdict(list)
    for aid, t, stance, section, start, end in db.execute(
            "select article_id, type, stance, section, raw_start, raw_end from claims "
            "where raw_start is not null and raw_end is not null"):
        out[aid].append(Predicted(t, stance, section, start, end))
    return out
