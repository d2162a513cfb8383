"""Turns between processes, in a fixed order: with `kb ingest --jobs N` every worker
stores the articles it analysed itself, and chunk k is stored only after chunk k-1, so
ids, near-duplicate decisions and clusters come out as one process would make them.
SQLite takes one writer at a time anyway; what taking turns shares out is the work
around it (binding rows, the full-text index) and the rows are never pickled to a
writer process.

A turn that fails (its block raises) fails every later turn too, at once, instead of
leaving the other workers waiting for a turn that never comes."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

FAILED = -1


class TurnFailed(RuntimeError):
    """An earlier turn raised: this one does not run."""


class Turns:
    """Turn numbers 0, 1, 2 … shared by processes of one multiprocessing context (made
    before the processes start, inherited or passed to them)."""

    def __init__(self, ctx) -> None:
        self.context = ctx
        self._next = ctx.Value("q", 0, lock=False)  # guarded by the condition's lock
        self._changed = ctx.Condition()

    @contextmanager
    def turn(self, number: int) -> Iterator[None]:
        """Wait until every turn before `number` has ended, run the block, end the turn."""
        with self._changed:
            self._changed.wait_for(lambda: self._next.value in (number, FAILED))
            if self._next.value == FAILED:
                raise TurnFailed(f"turn {number}: an earlier turn failed")
        try:
            yield
        except BaseException:
            self._end(FAILED)
            raise
        self._end(number + 1)

    def _end(self, next_number: int) -> None:
        with self._changed:
            self._next.value = next_number
            self._changed.notify_all()
