"""Ingestion: walk paths, analyse and store articles, every article whole or not at all
(committed in batches: kb.store.articles.Batches; into an empty database as a bulk load:
kb.store.articles.bulk_load). With --jobs the worker processes store the chunks they analysed, taking
turns in file order (kb/store/turns.py), so the rows and ids are those of one process. Bad input
is reported and skipped."""
from __future__ import annotations

import contextlib
import gc
import itertools
import os
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable, Iterator

from extract import Article, InputError, analyse
from extract.decode import Skipped
from extract.formats import MAX_BYTES, read_articles

from .articles import BATCH_SIZE, Batches, bulk_load, store_article, stored_articles
from .duplicates import DuplicateIndex
from .rows import ArticleRows, to_rows
from .schema import connect, open_db
from .turns import Turns


@dataclass
class Summary:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0  # files that are not articles (images, archives, PDFs, binary data)
    claims: int = 0
    duplicates: int = 0  # articles added that are near duplicates of an earlier one
    errors: list[str] = field(default_factory=list)
    skips: list[str] = field(default_factory=list)  # why each skipped file was skipped
    warnings: list[str] = field(default_factory=list)  # articles stored with repaired damage
    # the language-model extractor: articles that kept their offline claims, and why; the
    # reason of every claim of its answers that was not stored
    fell_back: int = 0
    fallbacks: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    def add(self, other: "Summary") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def line(self) -> str:
        return (f"articles: {self.added} added, {self.replaced} replaced, {self.unchanged} unchanged, "
                f"{self.failed} failed; files skipped: {self.skipped}; claims added: {self.claims}; "
                f"near duplicates added: {self.duplicates}")

    def refuse(self, error: InputError | str) -> None:
        """Count a file or record that did not become an article: skipped or failed."""
        if isinstance(error, Skipped):
            self.skipped += 1
            self.skips.append(str(error))
        else:
            self.failed += 1
            self.errors.append(str(error))


def find_files(paths: Iterable[str | Path]) -> Iterator[Path | InputError]:
    """Files under the given files and folders, in a stable order. Every file is yielded, not
    only articles: read_articles skips the others by name, so nothing passes in silence.
    Hidden files and folders inside a folder (.DS_Store, .git/, a tool's .complete marker)
    are not part of its articles; named on the command line, a hidden file is read."""
    for p in map(Path, paths):
        if p.is_dir():
            if not os.access(p, os.R_OK | os.X_OK):
                yield InputError(f"{p}: cannot read directory (permission denied)")
                continue
            # a subfolder that cannot be listed is reported, not skipped in silence
            unreadable: list[OSError] = []
            for root, dirs, files in os.walk(p, onerror=unreadable.append):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                yield from map(_walk_error, unreadable)
                unreadable.clear()
                # every file, whatever its type: reading it names the ones that are not articles
                yield from (Path(root) / name for name in sorted(files) if not name.startswith("."))
            yield from map(_walk_error, unreadable)
        elif p.exists():
            yield p
        else:
            yield InputError(f"{p}: no such file or directory")


def _walk_error(exc: OSError) -> InputError:
    reason = (exc.strerror or str(exc)).lower()
    return InputError(f"{exc.filename}: cannot read directory ({reason})")


def analyse_file(path: Path, max_bytes: int = MAX_BYTES, stored: frozenset[tuple[str, str]] = frozenset(),
                 reader: Callable | None = None) -> list["ArticleRows | Unchanged | str"]:
    """Rows of every article in one file, or error messages; never raises for bad input.
    Articles whose (id, source) is in `stored` are only marked Unchanged. `reader`: reads
    the claims instead of the offline model (extract.llm.reader.AnswerReader)."""
    out: list[ArticleRows | Unchanged | str] = []
    try:
        for item in read_articles(path, max_bytes):
            if isinstance(item, InputError):
                out.append(item)
            elif (item.id, item.source) in stored:
                out.append(Unchanged(item.source))
            else:
                out.append(to_rows(analyse(item, reader)))
                _freeze_loaded()
    except InputError as exc:
        out.append(exc)
    except Exception as exc:  # a bug on one article must not stop the others
        out.append(f"{path}: failed to analyse: {type(exc).__name__}: {exc}")
    return out


@lru_cache(maxsize=1)  # once a process (gc.get_freeze_count() walks every frozen object: not per article)
def _freeze_loaded() -> None:
    """Once a process has analysed an article, its dictionaries, rules, model and memos are
    loaded and live as long as it does: gc.freeze() takes them out of the cyclic garbage
    collector's view, which otherwise scans them all again at every full collection (and,
    in forked workers, would touch the pages they share with the parent). Reference
    counting still frees what is dropped. Once a process: later calls find nothing new
    worth freezing (a forked worker inherits the parent's frozen objects, and this cache)."""
    gc.freeze()


@dataclass
class Unchanged:
    source: str


Task = tuple[Path, int, frozenset[tuple[str, str]]]  # file, max_bytes, (id, source) stored from it
# Files per task of a worker (--jobs), stored in one transaction: "guided" sizes, a share
# of the files left, between these bounds (and at most --batch-size). Each transaction
# costs a commit and a full-text segment to merge, so large chunks while many files are
# left; small ones at the end, so no worker is left alone with a long last chunk.
CHUNK_MIN, CHUNK_MAX = 16, 128
CHUNK_SHARE = 4  # a chunk is about 1/(CHUNK_SHARE * jobs) of the files left
AHEAD = 4  # tasks per worker in flight: results wait in memory no longer than that


def _warm_up() -> None:
    """Load the dictionaries, rules and tables of the pipeline (before workers start)."""
    analyse(Article("warm-up", "信用卡委外催收合法吗?\n银行不得暴力催收(cuī)。"))
    _freeze_loaded()


_WORKER: dict = {}  # in a worker process: the database path, the turns, and once opened the database


def _start_worker(db_path: str, turns: Turns, warm_up: bool, reader: Callable | None = None) -> None:
    _WORKER.clear()
    _WORKER.update(db_path=db_path, turns=turns, reader=reader)
    if warm_up:
        _warm_up()


def _pool(jobs: int, db_path: str, turns: Turns, reader: Callable | None = None) -> ProcessPoolExecutor:
    """Worker processes, started now. Forked where that is safe (Linux), after a warm-up:
    the workers inherit the imported and loaded pipeline instead of loading it again
    (a second each). An executor, not multiprocessing.Pool: a worker that dies raises
    BrokenProcessPool where Pool.imap would wait for it forever."""
    forked = turns.context.get_start_method() == "fork"
    if forked:
        _warm_up()
    pool = ProcessPoolExecutor(jobs, mp_context=turns.context, initializer=_start_worker,
                               initargs=(db_path, turns, not forked, reader))
    pool.submit(int)  # the first task starts every worker
    return pool


def _context():
    return get_context("fork" if sys.platform.startswith("linux") else "spawn")


def _analyse_and_store(task: tuple[int, list[Task]]) -> list[Summary]:
    """In a worker: analyse a chunk of files, then store it in its turn (kb/store/turns.py), in
    one transaction. Returns each file's Summary."""
    number, tasks = task
    results = [analyse_file(*task, reader=_WORKER["reader"]) for task in tasks]
    with _WORKER["turns"].turn(number):
        if "db" not in _WORKER:  # opened after the fork: never a connection of the parent
            _WORKER["db"] = db = connect(_WORKER["db_path"])
            _WORKER["dedup"] = DuplicateIndex(db)
        # a batch larger than the chunk: committed once, at the end of the turn
        return list(_store_files(_WORKER["db"], results, _WORKER["dedup"], batch_size=len(results) + 1))


def guided_chunks(items: list, jobs: int, most: int) -> Iterator[list]:
    """`items` in consecutive chunks of CHUNK_MIN to CHUNK_MAX items (at most `most`): each
    about 1/(CHUNK_SHARE * jobs) of the items left, and the first ones smaller, doubling
    from CHUNK_MIN (a worker waits for the first store while the others start)."""
    start, ramp = 0, CHUNK_MIN
    while start < len(items):
        guided = max(CHUNK_MIN, (len(items) - start) // (CHUNK_SHARE * jobs))
        size = max(1, min(most, CHUNK_MAX, ramp, guided))
        yield items[start:start + size]
        start, ramp = start + size, ramp * 2


def _bounded_map(pool: ProcessPoolExecutor, fn: Callable, tasks: Iterable, ahead: int) -> Iterator:
    """pool.map in order, with at most `ahead` tasks submitted and not yet taken: map()
    submits every task at once, and results would wait in memory for the slowest."""
    it = iter(tasks)
    pending = deque(pool.submit(fn, t) for t in itertools.islice(it, ahead))
    while pending:
        result = pending.popleft().result()
        pending.extend(pool.submit(fn, t) for t in itertools.islice(it, 1))
        yield result


def ingest(paths: Iterable[str | Path], db_path: str, jobs: int = 1, max_bytes: int = MAX_BYTES,
           progress: Callable[[Iterable], Iterable] = lambda it, **kw: it, batch_size: int = BATCH_SIZE,
           defer_indexes: bool = False, reader: Callable | None = None, extractor: str | None = None) -> Summary:
    """Ingest every article under `paths` into the database at `db_path`. With jobs > 1
    the workers analyse and store chunks of files, taking turns in file order.
    `reader` reads the claims instead of the offline model; `extractor` is its name:
    articles stored with claims of another extractor are read again and replaced.
    `defer_indexes`: the indexes a bulk load into an empty database drops are built by the
    next open_db (kb.graph.rebuild builds them while a second process clusters the claims)."""
    summary = Summary()
    files: list[Path] = []
    for item in find_files(paths):
        if isinstance(item, InputError):
            summary.refuse(item)
        else:
            files.append(item)
    parallel = jobs > 1 and len(files) > 1
    turns = Turns(_context()) if parallel else None
    # the workers start before the database is opened: forked, they never hold its connection
    with _pool(jobs, db_path, turns, reader) if parallel else contextlib.nullcontext() as pool:
        db = open_db(db_path)
        dedup = DuplicateIndex(db)
        dedup.backfill()  # articles stored before fingerprints existed
        # articles already stored from the same source are not analysed again
        tasks = [(f, max_bytes, stored_articles(db, f, extractor)) for f in files]
        empty = db.execute("select not exists (select 1 from articles)").fetchone()[0]
        with bulk_load(db, build_indexes=not defer_indexes) if empty else contextlib.nullcontext():
            if pool:
                chunks = enumerate(guided_chunks(tasks, jobs, batch_size))
                stored = (part for parts in _bounded_map(pool, _analyse_and_store, chunks, AHEAD * jobs)
                          for part in parts)
            else:
                stored = _store_files(db, (analyse_file(*task, reader=reader) for task in tasks), dedup, batch_size)
            for part in progress(stored, total=len(tasks)):
                summary.add(part)
    return summary


def _store_files(db, per_file: Iterable[list[ArticleRows | Unchanged | str]], dedup: DuplicateIndex | None = None,
                 batch_size: int = BATCH_SIZE) -> Iterator[Summary]:
    """Store each file's analysed articles, committed in batches; yields each file's Summary."""
    with Batches(db, batch_size) as batches:
        for items in per_file:
            part = Summary()
            _store_items(db, items, part, dedup)
            batches.stored(len(items))
            yield part


def _store_items(db, items: list[ArticleRows | Unchanged | str], summary: Summary,
                 dedup: DuplicateIndex | None) -> None:
    for item in items:
        if isinstance(item, (str, InputError)):
            summary.refuse(item)
            continue
        if isinstance(item, Unchanged):
            summary.unchanged += 1
            continue
        if item.damage:
            summary.warnings.append(f"{item.article['source']}: {item.damage}")
        if item.fallback:
            summary.fell_back += 1
            summary.fallbacks.append(f"{item.article['source']}: {item.fallback}; offline claims kept")
        summary.rejected.extend(r["reason"] for r in item.rejected)
        state, inserted = store_article(db, item, dedup, in_batch=True)
        setattr(summary, state, getattr(summary, state) + 1)
        if inserted:
            summary.claims += len(item.claims)
            if item.article.get("duplicate_of"):
                summary.duplicates += 1
