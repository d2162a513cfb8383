"""Pinyin readings inserted after characters by content farms: 個(gè), 務(wù).

Only a parenthesised syllable that is a reading of the character before it is removed;
李薇(化名), (2015年修订) and other parentheses stay.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..offsets import Edit

RULE = "pinyin_annotation"
_ANNOTATION = re.compile(r"([\u3400-\u9fff])[(（]([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7})[)）]")


@lru_cache(maxsize=8192)
def readings(char: str) -> frozenset[str]:
    """Tone-marked readings of one character (all heteronyms)."""
    from pypinyin import Style, pinyin  # its dictionaries take 0.2 s to load: only when needed

    found = pinyin(char, style=Style.TONE, heteronym=True, errors="ignore")
    return frozenset(r.lower() for r in found[0]) if found else frozenset()


def find_pinyin_annotations(text: str) -> list[Edit]:
    """Edits deleting each '(reading)' that follows the character it reads."""
    edits = []
    if "(" not in text and "（" not in text:
        return edits
    for m in _ANNOTATION.finditer(text):
        if m.group(2).lower() in readings(m.group(1)):
            edits.append(Edit(m.start(2) - 1, m.end(), "", RULE))
    return edits
