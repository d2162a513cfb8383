"""Which of the served databases are knowledge bases: found by their tables, never by a
name. Datasette names a database after its file (research.db is /research), so the
metadata of metadata.yml (written for `kb`) is given to every knowledge base served,
whatever it is called, and the plugin's pages look theirs up the same way."""
from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path

import yaml

from kb import METADATA_FILE

TEMPLATE_DATABASE = "kb"  # the key metadata.yml describes a knowledge base under
REQUIRED_TABLES = {"articles", "claims", "sentences"}


@lru_cache(maxsize=1)
def kb_metadata() -> dict:
    """metadata.yml as the project ships it (empty when it is not beside the package)."""
    if not METADATA_FILE.exists():
        return {}
    return yaml.safe_load(METADATA_FILE.read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=64)
def _has_kb_tables(path: str, mtime: float) -> bool:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return REQUIRED_TABLES <= names


def is_knowledge_base(path: str | None) -> bool:
    """Whether the SQLite file at `path` holds a knowledge base's tables."""
    if not path or not Path(path).is_file():
        return False
    return _has_kb_tables(str(path), Path(path).stat().st_mtime)


def kb_database_names(datasette) -> list[str]:
    """The served databases that are knowledge bases, in the order they were given."""
    return [name for name, db in datasette.databases.items()
            if not name.startswith("_") and is_knowledge_base(getattr(db, "path", None))]


def kb_database(datasette, name: str | None = None):
    """The knowledge base called `name`, or the first one served; None when there is none."""
    names = kb_database_names(datasette)
    if name:
        return datasette.get_database(name) if name in names else None
    return datasette.get_database(names[0]) if names else None


def metadata_for(datasette) -> dict:
    """metadata.yml with its knowledge-base block given to every knowledge base served."""
    meta = kb_metadata()
    block = (meta.get("databases") or {}).get(TEMPLATE_DATABASE)
    if not block:
        return {}
    top = {k: v for k, v in meta.items() if k != "databases"}
    return {**top, "databases": {name: block for name in kb_database_names(datasette)}}
