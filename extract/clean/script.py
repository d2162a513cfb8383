"""Simplified / traditional script: detection per article, conversion for analysis."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import opencc

from ..memo import BatchMemo

# tw2s (not t2s) also converts Taiwan variants: 隨著 → 随着
_CONFIG = "tw2s"


def _converter(config: str = _CONFIG) -> opencc.OpenCC:
    """The OpenCC converter of `config`, made once a process: `_converter()` and
    `_converter("tw2s")` are one converter (each load of its dictionaries takes 5-20 ms)."""
    return _converter_of(config)


@lru_cache(maxsize=4)
def _converter_of(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


@lru_cache(maxsize=16)
def _convert(text: str) -> str:
    """tw2s of a text, remembered: an article's text is converted to detect its script and
    again, as the same string, to clean its lines (OpenCC runs at ~10 MB/s)."""
    return _converter().convert(text)


# the CJK blocks whose characters tw2s converts one by one
_CJK_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


@lru_cache(maxsize=1)
def _each_cjk_char_converted() -> tuple[list[str], list[str]]:
    """(every character of the CJK blocks, tw2s of each on its own), in one OpenCC call."""
    chars = [chr(c) for start, end in _CJK_BLOCKS for c in range(start, end)]
    return chars, _converter().convert("\n".join(chars)).split("\n")


@lru_cache(maxsize=1)
def _twice_converted_chars() -> str:
    """The characters tw2s gives as the simplified form of another and still converts on
    their own (麼 → 么, yet 么 → 幺): they are simplified already and stay as they are, so
    converting simplified text changes nothing. Found by converting every character of
    the CJK blocks once (5 ms)."""
    chars, out = _each_cjk_char_converted()
    simplified = {o: c for c, o in zip(chars, out) if o != c and len(o) == 1}
    return "".join(sorted(t for t in set(simplified.values()) if t in simplified))


def _flags(chars: str) -> np.ndarray:
    """A flag per code point, set for `chars`: a text is checked for any of them in one
    numpy pass (a regex class of these thousands of characters took 20-30 ms to compile
    at every command's first article)."""
    table = np.zeros(0x110000, dtype=bool)
    table[_codes(chars)] = True
    return table


def _holds(table: np.ndarray, text: str) -> bool:
    """Whether the text holds a character flagged in `table`."""
    return bool(table[_codes(text)].any())


@lru_cache(maxsize=1)
def _converted_twice() -> np.ndarray:
    return _flags(_twice_converted_chars())


def _keep_simplified(text: str, out: str) -> str:
    """`out` (tw2s of `text`, the same length) with the characters of `text` that were
    simplified already put back (position by position, in numpy: lines are long)."""
    codes = _codes(text)
    twice = _converted_twice()[codes]
    if not twice.any():
        return out
    kept = np.where(twice, codes, _codes(out))
    return kept.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")


@lru_cache(maxsize=1)
def _converted_alone() -> np.ndarray:
    """The characters tw2s changes when they stand alone (simplified ones kept aside).
    Its phrase dictionary leaves some of them as they are in context (顯著 → 显著, yet
    著 → 着): found in converted text, they are converted once more."""
    chars, out = _each_cjk_char_converted()
    twice = set(_twice_converted_chars())
    return _flags("".join(c for c, o in zip(chars, out) if o != c and c not in twice))


def _convert_once(text: str, out: str) -> str:
    """`out` (tw2s of `text`) at the length of `text`, simplified characters kept."""
    if len(out) != len(text):
        conv = _converter().convert
        out = "".join(conv(c) if len(conv(c)) == 1 else c for c in text)
    return _keep_simplified(text, out)


def _settled(text: str, out: str) -> str:
    """`_convert_once` until nothing changes, so that converting simplified text changes
    nothing: 顯著 → 显著 → 显着 (as simplified 显著 has always become), never 显著 one time
    and 显着 the next."""
    out = _convert_once(text, out)
    while _holds(_converted_alone(), out):
        again = _convert_once(out, _converter().convert(out))
        if again == out:
            break
        out = again
    return out


def to_simplified(text: str) -> str:
    """Simplified text of the same length (phrase conversions that change length are
    redone character by character, so offsets survive)."""
    return _settled(text, _convert(text))


def simplified_lines(lines: list[str]) -> list[str]:
    """`to_simplified` of each line (lines hold no line break), in one OpenCC call: no
    dictionary entry holds a line break, so OpenCC converts each line as it would on its
    own. When no line needs `_settled`'s corrections (the lengths kept, no character
    simplified already that tw2s converts, none left that it converts alone: most
    articles), the converted lines are the answer, found in one numpy pass over all."""
    joined = "\n".join(lines)
    converted_text = _convert(joined)
    converted = converted_text.split("\n")
    if len(converted) != len(lines):
        return [to_simplified(line) for line in lines]
    if (len(converted_text) == len(joined) and not _holds(_converted_twice(), joined)
            and not _holds(_converted_alone(), converted_text)):
        return converted
    return [_settled(line, c) for line, c in zip(lines, converted)]


def _codes(text: str) -> np.ndarray:
    """The code points of a text, for counting in C: articles are long."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _differing(codes: np.ndarray, other: str) -> int:
    """Positions where a text (its code points) and another of the same length differ."""
    return int(np.count_nonzero(codes != _codes(other)))


def detect_script(text: str) -> str:
    """'simplified', 'traditional', 'mixed' or 'none' (no Chinese text). Counted line by
    line, each line's counts remembered (content farms repeat their lines): the same counts
    as over the whole text, since OpenCC converts each line as it would on its own
    (`simplified_lines`), unless a conversion changes a line's length: then the whole text
    is counted at once."""
    lines = text.split("\n")
    counts = _COUNTED["tw2s"].get_many(lines)
    if not all(same for _h, _c, same in counts):
        return _detect_script(text)
    han = sum(h for h, _c, _s in counts)
    if not han:
        return "none"
    if sum(c for _h, c, _s in counts) < 0.02 * han:
        return "simplified"
    # characters that exist only in simplified script
    back = _COUNTED["s2t"].get_many(lines)
    simplified_only = sum(c for _h, c, _s in back) if all(same for *_, same in back) else _counts(text, "s2t")[1]
    return "mixed" if simplified_only >= 0.02 * han else "traditional"


def _detect_script(text: str) -> str:
    codes = _codes(text)
    if not np.count_nonzero((codes >= 0x4E00) & (codes <= 0x9FFF)):
        return "none"
    han, changed, _same = _counts(text, "tw2s")
    if changed < 0.02 * han:
        return "simplified"
    simplified_only = _counts(text, "s2t")[1]
    return "mixed" if simplified_only >= 0.02 * han else "traditional"


def _counts(text: str, config: str, converted: str | None = None) -> tuple[int, int, bool]:
    """(Han characters, characters the conversion changes, whether it kept the length).
    tw2s is counted against `to_simplified` (same length always); s2t counts 0 when the
    length changed."""
    codes = _codes(text)
    han = int(np.count_nonzero((codes >= 0x4E00) & (codes <= 0x9FFF)))
    converted = _converter(config).convert(text) if converted is None else converted
    if len(converted) == len(text):
        return han, _differing(codes, converted), True
    return han, (_differing(codes, to_simplified(text)) if config == "tw2s" else 0), False


def _count_lines(lines: list[str], config: str) -> list[tuple[int, int, bool]]:
    """_counts of each line (none holds a line break) with one OpenCC call and one numpy
    pass over all of them: per line, the calls cost more than the counting."""
    joined = "\n".join(lines)
    converted = _converter(config).convert(joined).split("\n")
    if len(converted) != len(lines):
        return [_counts(line, config) for line in lines]
    ends = np.cumsum([len(line) + 1 for line in lines])
    starts = ends - np.array([len(line) + 1 for line in lines])
    codes = _codes(joined)
    han = _line_sums((codes >= 0x4E00) & (codes <= 0x9FFF), starts, ends - 1)
    same = [len(c) == len(line) for c, line in zip(converted, lines)]
    if all(same):
        changed = _line_sums(codes != _codes("\n".join(converted)), starts, ends - 1)
        return [(h, c, True) for h, c in zip(han, changed)]
    return [_counts(line, config, conv) for line, conv in zip(lines, converted)]


def _line_sums(mask: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[int]:
    total = np.concatenate(([0], np.cumsum(mask)))
    return (total[ends] - total[starts]).tolist()


# line → its counts, per conversion
_COUNTED: dict[str, BatchMemo[str, tuple[int, int, bool]]] = {
    config: BatchMemo(lambda lines, config=config: _count_lines(lines, config), 1 << 13) for config in ("tw2s", "s2t")}
