"""Law and regulation mentions: 《…》 titles and unquoted names, resolved to a
canonical law with issuer, year and status (extract/data/laws.yml)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .rules import load_data

_TITLE = re.compile(r"《([^《》]{2,40})》")
_LAWLIKE = re.compile(r"(法|办法|规定|条例|公约|通知|意见|解释|指引|准则|细则)(\(.{1,6}\)|（.{1,6}）)?$")
_PREFIX = re.compile(r"^(中华人民共和国|中华|人民共和国|中国|人民)")


@dataclass
class LawMention:
    law: str  # canonical name, or the title as written when the law is not in the table
    surface: str
    start: int  # offsets in the text searched
    end: int
    known: bool


@lru_cache(maxsize=1)
def law_table() -> dict[str, dict]:
    return {name: dict(spec, name=name) for name, spec in load_data("laws.yml").items()}


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str]:
    index = {}
    for name, spec in law_table().items():
        for alias in [name, *spec.get("aliases", [])]:
            index[alias] = name
            index[_PREFIX.sub("", alias)] = name
    return index


@lru_cache(maxsize=1)
def _unquoted() -> re.Pattern:
    # unquoted names are matched only for aliases long enough not to be ordinary words
    aliases = sorted((a for a in _alias_index() if len(a) >= 3 and _LAWLIKE.search(a)), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, aliases)))


def resolve_law(title: str) -> str | None:
    """Canonical name of a law title as written (garbled prefixes tolerated)."""
    index = _alias_index()
    t = title.strip()
    return index.get(t) or index.get(_PREFIX.sub("", t))


def find_laws(text: str) -> list[LawMention]:
    found, taken = [], []
    for m in _TITLE.finditer(text):
        title = m.group(1)
        canon = resolve_law(title)
        if canon or _LAWLIKE.search(title):
            found.append(LawMention(canon or title, m.group(0), m.start(), m.end(), canon is not None))
            taken.append((m.start(), m.end()))
    for m in _unquoted().finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            found.append(LawMention(_alias_index()[m.group(0)], m.group(0), m.start(), m.end(), True))
    return sorted(found, key=lambda x: x.start)
