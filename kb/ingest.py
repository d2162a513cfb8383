"""Ingestion: walk paths, analyse articles (in worker processes with --jobs), store
each with one writer, one transaction per article. Bad input is reported and skipped."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable, Iterator

from extract import InputError, analyse
from extract.formats import MAX_BYTES, SUFFIXES, read_articles

from .db import open_db, store_article
from .dedup import DuplicateIndex
from .records import ArticleRows, to_rows


@dataclass
class Summary:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: int = 0
    claims: int = 0
    duplicates: int = 0  # articles added that are near duplicates of an earlier one
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"articles: {self.added} added, {self.replaced} replaced, {self.unchanged} unchanged, "
                f"{self.failed} failed; claims added: {self.claims}; near duplicates added: {self.duplicates}")


def find_files(paths: Iterable[str | Path]) -> Iterator[Path | InputError]:
    """Article files under the given files and folders, in a stable order."""
    for p in map(Path, paths):
        if p.is_dir():
            if not os.access(p, os.R_OK | os.X_OK):
                yield InputError(f"{p}: cannot read directory (permission denied)")
                continue
            # a subfolder that cannot be listed is reported, not skipped in silence
            unreadable: list[OSError] = []
            for root, dirs, files in os.walk(p, onerror=unreadable.append):
                dirs.sort()
                yield from map(_walk_error, unreadable)
                unreadable.clear()
                for name in sorted(files):
                    if name.lower().endswith(SUFFIXES):
                        yield Path(root) / name
            yield from map(_walk_error, unreadable)
        elif p.exists():
            yield p
        else:
            yield InputError(f"{p}: no such file or directory")


def _walk_error(exc: OSError) -> InputError:
    reason = (exc.strerror or str(exc)).lower()
    return InputError(f"{exc.filename}: cannot read directory ({reason})")


def analyse_file(path: Path, max_bytes: int = MAX_BYTES,
                 stored: frozenset[tuple[str, str]] = frozenset()) -> list["ArticleRows | Unchanged | str"]:
    """Rows of every article in one file, or error messages; never raises for bad input.
    Articles whose (id, source) is in `stored` are only marked Unchanged."""
    out: list[ArticleRows | Unchanged | str] = []
    try:
        for item in read_articles(path, max_bytes):
            if isinstance(item, InputError):
                out.append(str(item))
            elif (item.id, item.source) in stored:
                out.append(Unchanged(item.source))
            else:
                out.append(to_rows(analyse(item)))
    except InputError as exc:
        out.append(str(exc))
    except Exception as exc:  # a bug on one article must not stop the others
        out.append(f"{path}: failed to analyse: {type(exc).__name__}: {exc}")
    return out


# In a worker process: the (article id, source) pairs already stored, received once
# through the Pool initializer rather than with every task.
_WORKER_STORED: frozenset[tuple[str, str]] = frozenset()


@dataclass
class Unchanged:
    source: str


def _set_worker_stored(stored: frozenset[tuple[str, str]]) -> None:
    global _WORKER_STORED
    _WORKER_STORED = stored


def _worker(args: tuple[Path, int]) -> list[ArticleRows | Unchanged | str]:
    return analyse_file(*args, stored=_WORKER_STORED)


def ingest(paths: Iterable[str | Path], db_path: str, jobs: int = 1, max_bytes: int = MAX_BYTES,
           progress: Callable[[Iterable], Iterable] = lambda it, **kw: it) -> Summary:
    """Ingest every article under `paths` into the database at `db_path`."""
    summary = Summary()
    files: list[Path] = []
    for item in find_files(paths):
        if isinstance(item, InputError):
            summary.failed += 1
            summary.errors.append(str(item))
        else:
            files.append(item)
    db = open_db(db_path)
    dedup = DuplicateIndex(db)
    dedup.backfill(db)  # articles stored before fingerprints existed
    tasks = [(f, max_bytes) for f in files]
    # articles already stored from the same source are not analysed again
    stored = frozenset((r[0], r[1]) for r in db.execute("select id, source from articles"))
    if jobs > 1 and len(files) > 1:
        # an executor, not multiprocessing.Pool: a worker that dies raises BrokenProcessPool
        # where Pool.imap would wait for it forever
        with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_set_worker_stored,
                                 initargs=(stored,)) as pool:
            _store_all(db, progress(pool.map(_worker, tasks, chunksize=4), total=len(tasks)), summary, dedup)
    else:
        results = (analyse_file(f, m, stored=stored) for f, m in tasks)
        _store_all(db, progress(results, total=len(tasks)), summary, dedup)
    return summary


def _store_all(db, results: Iterable[list[ArticleRows | Unchanged | str]], summary: Summary,
               dedup: DuplicateIndex | None = None) -> None:
    for items in results:
        for item in items:
            if isinstance(item, str):
                summary.failed += 1
                summary.errors.append(item)
                continue
            if isinstance(item, Unchanged):
                summary.unchanged += 1
                continue
            state, inserted = store_article(db, item, dedup)
            setattr(summary, state, getattr(summary, state) + 1)
            if inserted:
                summary.claims += len(item.claims)
                if item.article.get("duplicate_of"):
                    summary.duplicates += 1
