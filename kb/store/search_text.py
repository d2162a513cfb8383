"""Chinese text as space-separated words (simplified script), the form the full-text
index stores and the form queries are rewritten to."""
from __future__ import annotations

import re
from functools import lru_cache

import rjieba

from extract.clean.script import simplified_lines, to_simplified

_WORD = re.compile(r"\w")


def _words(simplified: str) -> str:
    """Jieba never joins words across a line break (it segments runs of Han characters,
    letters and digits on their own), so each line is segmented alone, and remembered."""
    return " ".join(filter(None, map(_line_words, simplified.split("\n"))))


# a bounded memo (~5 MB): content farms repeat their lines and sentences across articles
@lru_cache(maxsize=1 << 13)
def _line_words(line: str) -> str:
    return " ".join(filter(_WORD.search, rjieba.cut_for_search(line)))


def segment_text(text: str | None) -> str:
    if not text:
        return ""
    return _words(to_simplified(text))


def segment_lines(texts: list[str]) -> list[str]:
    """`segment_text` of each text (texts hold no line break: sentences), converted to
    simplified script in one call."""
    return [_words(t) for t in simplified_lines(texts)]


def segment_words(query: str | None) -> str:
    """A typed query as simplified words separated by spaces: 委外催收 → 委外 催收."""
    return " ".join(w for part in (query or "").split() for w in rjieba.cut(to_simplified(part)) if _WORD.search(w))


def segment_query(query: str | None) -> str:
    """An FTS5 query: every word of the query must occur (words are quoted)."""
    return " ".join('"' + w.replace('"', "") + '"' for w in segment_words(query).split())
