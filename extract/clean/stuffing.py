"""Stuffed keywords: a phrase repeated within one line to catch search engines
(「微粒贷逾期几天贷后会打电话,微粒贷逾期几天贷后会……」)."""
from __future__ import annotations

import re

RULE = "stuffed_repeated_phrase"
_N = 6  # a phrase of six Chinese characters seen three times in one line is stuffing
_MIN_REPEATS = 3
_HAN = re.compile(r"[\u4e00-\u9fff]{%d,}" % _N)


def find_stuffing(text: str) -> list[tuple[int, int]]:
    """(start, end) of every repeat after the first of a stuffed phrase in one line."""
    starts = [i for run in _HAN.finditer(text) for i in range(run.start(), run.end() - _N + 1)]
    grams = [text[i:i + _N] for i in starts]
    if len(set(grams)) > len(grams) - _MIN_REPEATS + 1:
        return []  # too few repeated phrases for one seen three times: most lines
    seen: dict[str, list[int]] = {}
    for gram, i in zip(grams, starts):
        seen.setdefault(gram, []).append(i)
    spans: list[tuple[int, int]] = []
    for positions in seen.values():
        kept = _non_overlapping(positions)
        if len(kept) >= _MIN_REPEATS:
            spans.extend((s, s + _N) for s in kept[1:])
    return _merge(spans)


def _non_overlapping(starts: list[int]) -> list[int]:
    kept: list[int] = []
    for s in starts:
        if not kept or s >= kept[-1] + _N:
            kept.append(s)
    return kept


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
