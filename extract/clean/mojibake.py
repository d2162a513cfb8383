"""Runs of mis-decoded bytes inside otherwise good text, re-decoded.

Two ways the same bytes went wrong:

* byte-shifted GBK (the content farm in corpus/): a pinyin reading was inserted into the
  GBK *bytes* between the two bytes of a character, so the page decodes one byte out of
  step until an ASCII byte resyncs it.  當(dāng)?shù)拇呤詹粌H能 is bytes
  ae94 b5|(shù)|c4 b4df cad5 b2bb 8348 c4dc: the reading belongs to ae94-b5 read one
  byte late (數), the scraper turned the broken pair b5 28 into "?", so the lost byte is
  the one whose shifted character has that reading.  A full-width byte pair a3xx that
  the scraper folded to ASCII (Ｏ→O) is undone on the way.
* UTF-8 bytes read as GBK (鐨勫偓鏀朵笉 for 的催收不); U+FFFD stands for one lost byte.

Detection is deliberately narrow: good text never has the "?reading)" shape, and
GB2312-range text almost never re-decodes as a string of UTF-8 CJK characters.
"""
from __future__ import annotations

import re

from ..offsets import Edit
from .pinyin import readings
from .script import simplified_lines

RULE = "mojibake_utf8_as_gbk"  # one rule name for both kinds (callers key on it)

_SYLLABLE = "[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}"
# a character, readings already attached to it, then "?" = lost byte + "(", then a reading
_SHIFTED = re.compile(rf"([\u3400-\u9fff])(?:[(（]{_SYLLABLE}[)）])*\?({_SYLLABLE})\)")
_MAX_RUN = 30


def _gbk(ch: str) -> bytes | None:
    try:
        return ch.encode("gb18030")
    except UnicodeEncodeError:
        return None


def _char(b: bytes) -> str | None:
    """The one real (not private-use) character a 2-byte GBK sequence stands for."""
    try:
        c = b.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return c if len(c) == 1 and not "\ue000" <= c <= "\uf8ff" else None


def _rare(ch: str) -> bool:
    """Outside GB2312 once simplified: rare in real text, common in mojibake."""
    if ch not in _RARE and ch not in _COMMON:
        _classify({ch})
    return ch in _RARE


def _classify(chars: set[str]) -> None:
    """Sort characters not seen before into _RARE and _COMMON, simplified in one OpenCC
    call: a call per character cost more than the cleaning of a line."""
    candidates = sorted(c for c in chars if c.strip() and not c.isascii())
    _COMMON.update(chars.difference(candidates))
    for ch, simplified in zip(candidates, simplified_lines(candidates)):
        try:
            simplified.encode("gb2312")
            _COMMON.add(ch)
        except UnicodeEncodeError:
            _RARE.add(ch)


def _realign(text: str, pos: int, lead: int) -> list[tuple[str, int]]:
    """Every (decoded text, end) reading text[pos:] one byte late after `lead`."""
    out: list[tuple[str, int]] = []

    def walk(i: int, lead: int, acc: str) -> None:
        if i >= len(text) or i - pos > _MAX_RUN or (b := _gbk(text[i])) is None:
            return
        if len(b) == 2 and (c := _char(bytes([lead, b[0]]))):
            walk(i + 1, b[1], acc + c)
        elif len(b) == 1:
            if c := _char(bytes([lead, b[0]])):  # ASCII trail byte: back in step
                out.append((acc + c, i + 1))
            if 0x21 <= b[0] <= 0x7E and (c := _char(bytes([lead, 0xA3]))):  # folded Ｏ
                walk(i + 1, b[0] + 0x80, acc + c)

    walk(pos, lead, "")
    return out


def _plain(run: str) -> bool:
    return all("\u3400" <= c <= "\u9fff" and not _rare(c) for c in run)


def _shifted(text: str) -> list[Edit]:
    edits = []
    for m in _SHIFTED.finditer(text):
        prev, syllable = _gbk(m.group(1)), m.group(2).lower()
        if not prev or len(prev) != 2:
            continue
        start, parses, good = m.end() - len(m.group(2)) - 2, [], set()
        # the lost byte is one that, read after prev's 2nd byte, gives a `syllable` character
        candidates = [b for b in range(0x81, 0xFF) if (c := _char(bytes([prev[1], b]))) and syllable in readings(c)]
        if not candidates:
            continue  # not a reading: some other "?...)" text
        for lost in candidates:
            parses += (ps := _realign(text, m.end(), lost))
            # the first resync giving plain Han text; longer parses read on into junk
            if plain := [p for p in ps if _plain(p[0])]:
                good.add(min(plain, key=lambda p: p[1]))
        if len(good) == 1:
            (repaired, end), = good
            edits.append(Edit(start, end, repaired, RULE))
        else:  # no or several plausible readings: a signal, text unchanged
            end = max((e for _, e in parses), default=m.end())
            edits.append(Edit(start, end, text[start:end], RULE))
    return edits


def _utf8_run(units: list[tuple[int | None, int]], i: int) -> tuple[str, int] | None:
    """Longest UTF-8 CJK text from units[i:] (byte or None = lost byte, source char index)
    that ends on a source-character boundary, with the index just past that character."""
    out, best, k = "", None, i
    while k + 3 <= len(units):
        tri = [u[0] for u in units[k:k + 3]]
        if tri.count(None) > (1 if tri[0] is None else 2) or not (tri[0] is None or 0xE2 <= tri[0] <= 0xEF) \
                or not all(b is None or 0x80 <= b <= 0xBF for b in tri[1:]):
            break
        c = "\ufffd" if None in tri else bytes(tri).decode("utf-8", "replace")
        if c != "\ufffd" and not ("\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef" or "\u2010" <= c <= "\u206f"):
            break
        out, k = out + c, k + 3
        if k == len(units) or units[k][1] != units[k - 1][1]:
            best = out, units[k - 1][1] + 1
    return best


def _confident(run: str, repaired: str) -> bool:
    known = sum(c != "\ufffd" for c in repaired)
    return (len(run) >= 3 and known >= 2 and known >= 2 * repaired.count("\ufffd")
            and any(_rare(c) or c == "\ufffd" for c in run))


# characters seen, sorted by _classify (at most the characters of Unicode): a line of
# characters seen before costs one set difference
_COMMON: set[str] = set()
_RARE: set[str] = set()


def has_rare(text: str) -> bool:
    """Whether the text holds a character a mojibake run needs: one _rare (U+FFFD is)."""
    chars = set(text)
    new = chars - _COMMON - _RARE
    if new:
        _classify(new)
    return not _RARE.isdisjoint(chars)


def _utf8_as_gbk(text: str, taken: list[Edit]) -> list[Edit]:
    # a confident run holds a rare character or U+FFFD (_confident, and U+FFFD is _rare):
    # most lines hold neither
    if not has_rare(text):
        return []
    edits = []
    for m in re.finditer(r"[^\x00-\x7f]{3,}", text):
        units: list[tuple[int | None, int]] = []  # (GBK byte or None = lost, char index)
        first = {}
        for j, ch in enumerate(m.group(), m.start()):
            first[j] = len(units)
            units += [(None, j)] if ch == "\ufffd" else [(x, j) for x in _gbk(ch) or b"\0"]
        j = m.start()
        while j < m.end():
            found = _utf8_run(units, first[j])
            if found and _confident(text[j:found[1]], found[0]) \
                    and not any(e.start < found[1] and j < e.end for e in taken):
                edits.append(Edit(j, found[1], found[0], RULE))
                j = found[1]
            else:
                j += 1
    return edits


_SHIFTED_HINT = re.compile(rf"\?{_SYLLABLE}\)")  # what every _SHIFTED match holds


def may_hold_mojibake(text: str) -> bool:
    """False when no line of the text can hold mojibake: every run has a "?reading)"
    (shifted GBK) or a rare character (UTF-8 read as GBK). One test for a whole article."""
    return bool(_SHIFTED_HINT.search(text)) or has_rare(text)


def find_mojibake(text: str) -> list[Edit]:
    """Edits replacing each repairable mojibake run in one line of text with its repaired
    text.  A run that is found but cannot be repaired confidently (lost byte with no or
    several plausible readings) is still returned, with `replacement` equal to the run's
    own text, so callers can record the signal without changing the text.  Run it on raw
    text before pinyin readings are removed and before conversion to simplified script."""
    shifted = _shifted(text) if "?" in text else []  # every shifted run has its "?"
    return sorted(shifted + _utf8_as_gbk(text, shifted), key=lambda e: e.start)
