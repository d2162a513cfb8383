"""Silver labels: the claims a language model made in a database, as training data for
the offline model (`kb train-claims --silver DB`)."""
from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import sqlite_utils


def silver_articles(db_path: str, leave_out: set[str] = frozenset()) -> list[tuple[str, str, list[dict]]]:
    """(file name, raw text, claims as gold-like records) of every article whose claims a
    language model made, but those named in `leave_out` (the gold's articles: an article
    scored must not be fitted on, not even on another reader's labels)."""
    if not Path(db_path).is_file():
        raise FileNotFoundError(f"{db_path}: no such database")
    db = sqlite_utils.Database(db_path)
    try:
        if "extractor" not in db["articles"].columns_dict:
            return []
        records: dict[str, list[dict]] = defaultdict(list)
        for aid, t, stance, raw in db.execute(
                "select c.article_id, c.type, c.stance, c.raw from claims c join articles a on a.id = c.article_id "
                "where a.extractor like 'llm:%' order by c.id"):
            records[aid].append({"type": t, "stance": stance, "evidence": raw})
        out = []
        for aid, source, text in db.execute("select id, source, raw_text from articles where extractor like 'llm:%' "
                                            "order by source"):
            name = os.path.basename(str(source).split("#")[0])
            if name not in leave_out:
                out.append((name, text, records.get(aid, [])))
        return out
    finally:
        db.close()
