"""Simplified / traditional script: detection per article, conversion for analysis."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import opencc

# tw2s (not t2s) also converts Taiwan variants: 隨著 → 随着
_CONFIG = "tw2s"


@lru_cache(maxsize=4)
def _converter(config: str = _CONFIG) -> opencc.OpenCC:
    return opencc.OpenCC(config)


@lru_cache(maxsize=16)
def _convert(text: str) -> str:
    """tw2s of a text, remembered: an article's text is converted to detect its script and
    again, as the same string, to clean its lines (OpenCC runs at ~10 MB/s)."""
    return _converter().convert(text)


def to_simplified(text: str) -> str:
    """Simplified text of the same length (phrase conversions that change length are
    redone character by character, so offsets survive)."""
    out = _convert(text)
    if len(out) == len(text):
        return out
    conv = _converter().convert
    return "".join(conv(c) if len(conv(c)) == 1 else c for c in text)


def simplified_lines(lines: list[str]) -> list[str]:
    """`to_simplified` of each line (lines hold no line break), in one OpenCC call: no
    dictionary entry holds a line break, so OpenCC converts each line as it would on its
    own. A line whose length changed is redone alone."""
    converted = _convert("\n".join(lines)).split("\n")
    if len(converted) != len(lines):
        return [to_simplified(line) for line in lines]
    return [c if len(c) == len(line) else to_simplified(line) for line, c in zip(lines, converted)]


def _codes(text: str) -> np.ndarray:
    """The code points of a text, for counting in C: articles are long."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _differing(codes: np.ndarray, other: str) -> int:
    """Positions where a text (its code points) and another of the same length differ."""
    return int(np.count_nonzero(codes != _codes(other)))


def detect_script(text: str) -> str:
    """'simplified', 'traditional', 'mixed' or 'none' (no Chinese text)."""
    codes = _codes(text)
    han = int(np.count_nonzero((codes >= 0x4E00) & (codes <= 0x9FFF)))
    if not han:
        return "none"
    changed = _differing(codes, to_simplified(text))
    if changed < 0.02 * han:
        return "simplified"
    # characters that exist only in simplified script
    back = _converter("s2t").convert(text)
    simplified_only = _differing(codes, back) if len(back) == len(text) else 0
    return "mixed" if simplified_only >= 0.02 * han else "traditional"
