"""Text that remembers where every character came from in the raw article.

Each cleaning step rewrites spans of the current text; `MappedText.apply` composes
the rewrite into one map, so after any number of steps every cleaned character still
points at a raw offset.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] with `replacement`; `rule` names why."""

    start: int
    end: int
    replacement: str
    rule: str


@dataclass
class MappedText:
    text: str
    # raw offset of each character less `offset`, plus one entry for the end of the text
    relative: list[int] = field(default_factory=list)
    # added to every entry: a line cleaned once is placed in each article that repeats it
    # without copying its offsets
    offset: int = 0

    @property
    def starts(self) -> list[int]:
        """Raw offset of each character, plus one entry for the end of the text."""
        return [p + self.offset for p in self.relative] if self.offset else self.relative

    @classmethod
    def identity(cls, text: str, base: int = 0) -> "MappedText":
        return cls(text, list(range(len(text) + 1)), base)

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw offsets covering clean text[start:end]."""
        first = self.relative[start] + self.offset
        if end <= start:
            return first, first
        return first, self._raw_end(end - 1)

    def _raw_end(self, i: int) -> int:
        # a character replaced from a longer raw span ends where the next one starts
        here, nxt = self.relative[i], self.relative[i + 1]
        return self.offset + (nxt if nxt > here else here + 1)

    def apply(self, edits: Iterable[Edit]) -> tuple["MappedText", list[tuple[Edit, int, int]]]:
        """Apply non-overlapping edits; return the new text and each edit's raw span."""
        edits = sorted(edits, key=lambda e: e.start)
        if not edits:
            return self, []  # most lines of most steps: no copy
        out, starts, applied, pos = [], [], [], 0
        for e in edits:
            if e.start < pos:
                continue  # overlapping edit: the earlier one wins
            out.append(self.text[pos:e.start])
            starts.extend(self.relative[pos:e.start])
            raw_s, raw_e = self.relative[e.start], self.relative[e.end]
            out.append(e.replacement)
            if len(e.replacement) == e.end - e.start:
                starts.extend(self.relative[e.start:e.end])
            else:
                starts.extend([raw_s] * len(e.replacement))
            applied.append((e, raw_s + self.offset, raw_e + self.offset))
            pos = e.end
        out.append(self.text[pos:])
        starts.extend(self.relative[pos:])
        return MappedText("".join(out), starts, self.offset), applied

    def slice(self, start: int, end: int) -> "MappedText":
        return MappedText(self.text[start:end], self.relative[start:end + 1], self.offset)

    @property
    def raw_end(self) -> int:
        """Raw offset of the end of the text."""
        return self.relative[-1] + self.offset

    @staticmethod
    def join(parts: list["MappedText"], sep: str = "\n") -> "MappedText":
        text, starts = [], []
        for i, p in enumerate(parts):
            if i and sep:
                text.append(sep)
                starts.extend([parts[i - 1].raw_end] * len(sep))
            text.append(p.text)
            starts.extend(p.starts[:-1])
        end = parts[-1].raw_end if parts else 0
        return MappedText("".join(text), starts + [end])
