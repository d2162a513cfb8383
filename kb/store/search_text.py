"""Chinese text as space-separated words (simplified script), the form the full-text
index stores and the form queries are rewritten to."""
from __future__ import annotations

import re
from functools import lru_cache

import rjieba

from extract.clean.script import simplified_lines, to_simplified
from extract.rules import load_data

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


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    return frozenset(load_data("search.yml")["stop_words"])


def segment_words(query: str | None) -> str:
    """A typed query as simplified words separated by spaces, particles left out:
    委外催收合法吗 → 委外 催收 合法. Punctuation and FTS syntax (quotes, *, -, parentheses)
    are not words; AND, OR and NEAR are words like any other."""
    words = [w for part in (query or "").split() for w in rjieba.cut(to_simplified(part)) if _WORD.search(w)]
    content = [w for w in words if w not in _stop_words()]
    return " ".join(content or words)


def segment_query(query: str | None) -> str:
    """An FTS5 query that never is a syntax error: every word of the query must occur,
    each quoted; a query without words matches nothing."""
    return " ".join('"' + w.replace('"', "") + '"' for w in segment_words(query).split()) or '""'
