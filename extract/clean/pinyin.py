"""Pinyin readings inserted after characters by content farms: 個(gè), 務(wù).

Only a parenthesised syllable that is a reading of the character before it is removed;
李薇(化名), (2015年修订) and other parentheses stay.
"""
from __future__ import annotations

import importlib.util
import json
import re
from functools import lru_cache
from pathlib import Path

from ..offsets import Edit

RULE = "pinyin_annotation"
_ANNOTATION = re.compile(r"([\u3400-\u9fff])[(（]([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7})[)）]")


@lru_cache(maxsize=1)
def _reading_table() -> dict[str, str] | None:
    """pypinyin's table of character readings (decimal code point → "gè,gě"), read from its JSON
    file without importing pypinyin: the import loads its phrase dictionary and the first
    call trains a segmenter, 0.2 s of every command that meets a parenthesis, for readings
    of single characters that the table alone gives. None if the file is not there."""
    spec = importlib.util.find_spec("pypinyin")  # finds the package, does not run it
    folders = (spec and spec.submodule_search_locations) or []
    paths = [Path(folder) / "pinyin_dict.json" for folder in folders]
    path = next((p for p in paths if p.is_file()), None)
    if path is None:
        return None
    return json.loads(path.read_text(encoding="utf-8"))  # its keys as they are: 41,000 ints cost 10 ms


@lru_cache(maxsize=8192)
def readings(char: str) -> frozenset[str]:
    """Tone-marked readings of one character (all heteronyms), as pypinyin gives them."""
    table = _reading_table()
    if table is not None:
        return frozenset(r.lower() for r in table.get(str(ord(char)), "").split(",") if r)
    from pypinyin import Style, pinyin  # another layout of the package: ask it

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
