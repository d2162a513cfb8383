"""Bytes to text: detect the encoding of a scraped file, refuse what is not text.

What is accepted:

- UTF-8 (with or without a byte-order mark), UTF-16 and UTF-32 with a byte-order mark;
- UTF-16 / UTF-32 without one, recognised by the shape of the text they decode to;
- Chinese text in GB18030 (which covers GBK and GB2312), Big5 (also cp950 and Big5-HKSCS)
  or HZ. These legacy encodings accept most byte sequences, so a reading is kept only when
  its Chinese characters segment into real words; the reading whose text reads best wins
  (this is how a Big5 file is told from the GB18030 mojibake of it).

Damage a user would rather keep than lose the article over:

- a file cut in the middle of its last character (a scraper that stops at a byte limit)
  loses that partial character; the encoding is reported as e.g.
  ``utf-8 (truncated last character dropped)``;
- a few invalid bytes in otherwise valid text (at most one per hundred non-ASCII
  characters) each become U+FFFD; the encoding is reported as e.g.
  ``utf-8 (2 invalid bytes replaced)``.

Everything else is refused with an InputError whose message starts with the file name:
empty or whitespace-only files, binary data (images, archives, random bytes), and text
whose encoding cannot be told (including non-Chinese text in a legacy single-byte
encoding such as Latin-1, which cannot be decoded reliably: save such files as UTF-8).
"""
from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass
from typing import NamedTuple


class InputError(ValueError):
    """A file (or a line of one) that cannot become an article; the message names it."""


class Skipped(InputError):
    """A file that is not an article at all (an image, an archive, a PDF, binary data): skipped,
    not failed."""


class Decoded(NamedTuple):
    text: str
    encoding: str  # the encoding's name, with the damage repaired: 'utf-8 (2 invalid bytes replaced)'
    replaced_bytes: int = 0  # invalid bytes, each run replaced by U+FFFD
    truncated: bool = False  # an incomplete last character was dropped


_BOMS = [  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]

_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a Word/Excel file)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ\x90\x00", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Word/Excel/PowerPoint file"),
]

# Chinese candidates after UTF-8: the first of a family that decodes stands for it
_GB = ("gb18030",)
_BIG5 = ("big5", "cp950", "big5hkscs")
_UTF16 = ("utf-16-le", "utf-16-be")
_UTF32 = ("utf-32-le", "utf-32-be")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# control characters other than whitespace, lone surrogates, private use: not text
_JUNK = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff\ue000-\uf8ff\ufff0-\ufffb\ufffe\uffff]")

MIN_WORD_SHARE = 0.4  # real Chinese text scores 0.65-0.95, mis-decoded text below 0.2
MAX_JUNK_SHARE = 0.01
BAD_PER_NON_ASCII = 100  # tolerate one invalid byte per this many non-ASCII characters


# --- decoding that counts invalid bytes -------------------------------------------------

_state = threading.local()


def _count_invalid(exc: UnicodeDecodeError) -> tuple[str, int]:
    _state.bad += exc.end - exc.start
    if _state.bad > _state.limit:  # hopeless already: stop instead of calling back per byte
        raise exc
    return "\ufffd", exc.end


codecs.register_error("kb.count-invalid", _count_invalid)


@dataclass
class _Reading:
    encoding: str
    text: str
    bad: int = 0  # invalid bytes, each run replaced by U+FFFD
    cut: bool = False  # an incomplete last character was dropped
    score: float = 0.0  # share of Chinese characters in words of two or more
    han: int = 0

    @property
    def name(self) -> str:
        notes = []
        if self.bad:
            notes.append(f"{self.bad} invalid byte{'s' if self.bad > 1 else ''} replaced")
        if self.cut:
            notes.append("truncated last character dropped")
        return f"{self.encoding} ({', '.join(notes)})" if notes else self.encoding


def _read(data: bytes, encoding: str) -> _Reading:
    # more invalid bytes than this could never pass _few_invalid
    _state.bad, _state.limit = 0, len(data) // BAD_PER_NON_ASCII + 1
    decoder = codecs.getincrementaldecoder(encoding)("kb.count-invalid")
    try:
        text = decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return _Reading(encoding, "", bad=len(data))
    pending = decoder.getstate()[0]
    return _Reading(encoding, text, bad=_state.bad, cut=bool(pending))


def _han_runs(text: str, limit: int = 2000) -> list[str]:
    runs, n = [], 0
    for m in _HAN.finditer(text):
        runs.append(m.group())
        n += len(runs[-1])
        if n >= limit:
            break
    return runs


def _word_share(runs: list[str]) -> float:
    """Share of Chinese characters that fall inside dictionary words of two or more."""
    import rjieba

    from .clean.script import to_simplified

    sample = to_simplified("\n".join(runs))
    tokens = [t for t in rjieba.cut(sample, False) if _HAN.match(t)]
    total = sum(map(len, tokens))
    return sum(len(t) for t in tokens if len(t) > 1) / total if total else 0.0


def _junk_share(text: str) -> float:
    sample = text[:200_000]
    return len(_JUNK.findall(sample)) / len(sample) if sample else 0.0


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def _judge(r: _Reading) -> _Reading:
    runs = _han_runs(r.text)
    r.han = sum(map(len, runs))
    r.score = _word_share(runs) if r.han >= 2 else 0.0
    return r


def _few_invalid(r: _Reading) -> bool:
    return r.bad * BAD_PER_NON_ASCII <= _non_ascii(r.text) - r.text.count("\ufffd")


def _plausible(r: _Reading, words: str) -> bool:
    """Text a person wrote: few invalid bytes, no control or private-use characters and,
    depending on `words`, Chinese that reads as words: "never" asked (a byte-order mark
    says what the encoding is), "if" there is Chinese, or "required" (the legacy
    encodings, which would otherwise accept almost any bytes)."""
    if not r.text or not _few_invalid(r) or _junk_share(r.text) > MAX_JUNK_SHARE:
        return False
    if words == "never":
        return True
    _judge(r)
    if r.han >= 2:
        return r.score >= MIN_WORD_SHARE
    return words == "if"


def _first_of(data: bytes, family: tuple[str, ...]) -> _Reading:
    readings = []
    for enc in family:
        r = _read(data, enc)
        if not r.bad:
            return r
        readings.append(r)
    return min(readings, key=lambda r: r.bad)


def _position(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    return f"line {line}, byte offset {offset:,}"


# --- the entry point ----------------------------------------------------------------------

def decode_bytes(data: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Return (text, encoding). Raises InputError naming `name` when `data` is not text."""
    decoded = decode_text(data, name)
    return decoded.text, decoded.encoding


def decode_text(data: bytes, name: str = "<bytes>") -> Decoded:
    """The text of `data`, its encoding and the damage repaired. Raises Skipped for binary
    data (sniffed from the content, whatever the file is called) and InputError naming
    `name` for what is not text otherwise."""
    if not data:
        raise InputError(f"{name}: empty file")
    if not data.strip():
        raise InputError(f"{name}: no text, only whitespace")
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise Skipped(f"{name}: binary data ({kind}), skipped")

    for bom, enc in _BOMS:
        if data.startswith(bom):
            r = _read(data[len(bom):], enc)
            if enc == "utf-8":
                r.encoding = "utf-8-sig"
            blank = not r.text.strip()  # _checked says "empty" or "only whitespace"
            if (r.bad > 0) if blank else not _plausible(r, "never"):
                family = enc[:6].upper()
                raise InputError(f"{name}: starts with a {family} byte-order mark but is not {family} text")
            return _checked(r, name)

    if b"\x00" in data[:4096]:  # UTF-16/32 without a byte-order mark, or binary
        for enc in _UTF32 + _UTF16:
            r = _read(data, enc)
            if not r.bad and "\x00" not in r.text and _plausible(r, "if"):
                return _checked(r, name)
        raise Skipped(f"{name}: binary data, skipped")
    if _looks_binary(data):
        raise Skipped(f"{name}: binary data, skipped")

    utf8 = _read(data, "utf-8")
    if not utf8.bad:
        if utf8.text.isascii() and b"~{" in data:  # HZ: GB2312 in 7-bit ASCII
            hz = _read(data, "hz")
            if not hz.bad and _plausible(hz, "required"):
                return _checked(hz, name)
        return _checked(utf8, name)

    readings = [utf8, _first_of(data, _GB), _first_of(data, _BIG5)]
    readings += [_read(data, enc) for enc in _UTF16]
    good = [r for r in readings if _plausible(r, "if" if r is utf8 else "required")]
    if good:
        return _checked(max(good, key=lambda r: (r.score, -r.bad)), name)

    where = "?"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = _position(data, exc.start)
    raise InputError(f"{name}: cannot detect the text encoding: not UTF-8 (invalid byte at {where}), "
                     f"nor GB18030/GBK or Big5 Chinese text; save the file as UTF-8")


def _checked(r: _Reading, name: str) -> Decoded:
    text = r.text.lstrip("\ufeff")
    if not text.strip():
        raise InputError(f"{name}: no text, only whitespace" if text else f"{name}: empty file")
    return Decoded(text, r.name, r.bad, r.cut)


_CONTROL = bytes(b for b in range(256) if b < 9 or 13 < b < 32 or b == 127)


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    control = len(sample) - len(sample.translate(None, _CONTROL))  # counted in C
    return control > len(sample) * 0.05
