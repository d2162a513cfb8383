"""The answers received, kept in the database (table llm_answers): by (model, custom_id),
the custom_id holding the prompt version and the hash of the request. Each answer is
committed as it arrives, so a run that is killed resumes without asking again."""
from __future__ import annotations

import datetime as _dt
import json
from typing import Iterable

import sqlite_utils

from extract.llm.prompt import prompt_version

from ..store.schema import transaction


def cached_answers(db: sqlite_utils.Database, model: str, custom_ids: Iterable[str]) -> dict[str, dict]:
    """custom_id -> response body of the ids already answered for `model`."""
    ids = list(dict.fromkeys(custom_ids))
    out: dict[str, dict] = {}
    for i in range(0, len(ids), 500):  # SQLite's limit on parameters
        part = ids[i:i + 500]
        sql = f"select custom_id, body from llm_answers where model = ? and custom_id in ({', '.join('?' * len(part))})"
        out.update((cid, json.loads(body)) for cid, body in db.execute(sql, [model, *part]))
    return out


def store_answer(db: sqlite_utils.Database, model: str, custom_id: str, body: dict,
                 prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
    with transaction(db):
        db.execute("insert or replace into llm_answers (model, custom_id, prompt_version, body, prompt_tokens, "
                   "completion_tokens, received_at) values (?, ?, ?, ?, ?, ?, ?)",
                   [model, custom_id, prompt_version(), json.dumps(body, ensure_ascii=False), prompt_tokens,
                    completion_tokens, _now()])


def record_run(db: sqlite_utils.Database, run: dict) -> None:
    with transaction(db):
        db["llm_runs"].insert({"started_at": _now(), "prompt_version": prompt_version(), **run})


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
