"""Finding a model's quote in a sentence, tolerant of how the copy may differ.

A model copies what it was shown (the cleaned, simplified text) but not always exactly:
full-width punctuation comes back half-width, traditional characters come back, spaces
and quotation marks change, a long quote is elided with …. Both sides are normalised
character by character, keeping a map back to the sentence, so the span found is in the
sentence's own offsets and from there in the raw file's."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..clean.script import to_simplified

# punctuation a copy may swap for a near relative: each class compares as its first member
_EQUIVALENT = ["\"“”„「」『』﹁﹂", "'‘’", ",，、", ".。", ":：", ";；", "!！", "?？", "(（", ")）",
               "-‐‑–—―－", "~～〜"]
_CANON = {c: cls[0] for cls in _EQUIVALENT for c in cls}
_ELLIPSIS = re.compile(r"\s*(?:…+|\.{3,}|。{3,})\s*")


@lru_cache(maxsize=4096)
def _canonical_char(ch: str) -> str:
    ch = unicodedata.normalize("NFKC", ch)
    if len(ch) != 1:
        return ch[:1]
    return _CANON.get(ch, ch).lower()


def normalise(text: str) -> tuple[str, list[int]]:
    """`text` canonicalised for comparison (simplified script, NFKC, one member of each
    punctuation class, no whitespace) and, per character of it, its index in `text`."""
    simplified = to_simplified(text)  # same length
    chars, where = [], []
    for i, ch in enumerate(simplified):
        if ch.isspace():
            continue
        chars.append(_canonical_char(ch))
        where.append(i)
    return "".join(chars), where


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """(start, end) in `text` of `quote`, compared normalised; a quote elided with … is found
    when its parts appear in order. None when it is not there."""
    hay, where = normalise(text)
    parts = [normalise(p)[0] for p in _ELLIPSIS.split(quote.strip())]
    parts = [p for p in parts if p]
    if not parts:
        return None
    at, first = 0, None
    for part in parts:
        found = hay.find(part, at)
        if found < 0:
            return None
        first = found if first is None else first
        at = found + len(part)
    return where[first], where[at - 1] + 1
