"""A bounded memo for work done in batches: content farms repeat their lines, sentences
and shingles across articles, so a line cleaned, counted or signed once need not be again.

Unlike functools.lru_cache, the keys not seen before are computed together (one OpenCC
call, one numpy pass for all of them), and when the memo would grow past `maxsize` it is
emptied: memory stays flat, and recency is not worth its bookkeeping here."""
from __future__ import annotations

from typing import Callable, Generic, Hashable, Iterable, Sequence, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BatchMemo(Generic[K, V]):
    def __init__(self, compute: Callable[[list[K]], Iterable[V]], maxsize: int) -> None:
        """`compute` maps a list of distinct keys to their values, in order."""
        self.compute, self.maxsize = compute, maxsize
        self._values: dict[K, V] = {}

    def get_many(self, keys: Sequence[K]) -> list[V]:
        """The value of each key; those not remembered are computed in one batch."""
        values = self._values
        new = [k for k in dict.fromkeys(keys) if k not in values]
        if new:
            if len(values) + len(new) > self.maxsize:
                values.clear()
                new = list(dict.fromkeys(keys))
            values.update(zip(new, self.compute(new)))
        return [values[k] for k in keys]

    def clear(self) -> None:
        self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
