"""Simplified / traditional script: detection per article, conversion for analysis."""
from __future__ import annotations

from functools import lru_cache

import opencc

# tw2s (not t2s) also converts Taiwan variants: 隨著 → 随着
_CONFIG = "tw2s"


@lru_cache(maxsize=4)
def _converter(config: str = _CONFIG) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Simplified text of the same length (phrase conversions that change length are
    redone character by character, so offsets survive)."""
    out = _converter().convert(text)
    if len(out) == len(text):
        return out
    conv = _converter().convert
    return "".join(conv(c) if len(conv(c)) == 1 else c for c in text)


def _differing(a: str, b: str) -> int:
    return sum(map(str.__ne__, a, b))


def detect_script(text: str) -> str:
    """'simplified', 'traditional', 'mixed' or 'none' (no Chinese text)."""
    simp = to_simplified(text)
    han = sum("\u4e00" <= c <= "\u9fff" for c in text)
    if not han:
        return "none"
    changed = _differing(text, simp)
    # characters that exist only in simplified script
    back = _converter("s2t").convert(text)
    simplified_only = _differing(text, back) if len(back) == len(text) else 0
    if changed >= 0.02 * han and simplified_only >= 0.02 * han:
        return "mixed"
    if changed >= 0.02 * han:
        return "traditional"
    return "simplified"
