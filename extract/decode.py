"""Bytes to text: detect the encoding of a scraped file, refuse what is not text."""
from __future__ import annotations

import codecs

from charset_normalizer import from_bytes


class InputError(ValueError):
    """A file (or a line of one) that cannot become an article; the message names it."""


_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    return b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) * 0.05


def _word_plausibility(text: str) -> float:
    """Share of Chinese characters that fall inside dictionary words of two or more."""
    import rjieba

    from .clean.script import to_simplified

    sample = to_simplified(text[:3000])
    tokens = [t for t in rjieba.cut(sample) if "\u4e00" <= t[0] <= "\u9fff"]
    total = sum(len(t) for t in tokens)
    return sum(len(t) for t in tokens if len(t) > 1) / total if total else 0.0


def decode_bytes(data: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Return (text, encoding). Raises InputError naming `name` when not text."""
    if not data.strip():
        raise InputError(f"{name}: empty file")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc).lstrip("\ufeff"), enc
            except UnicodeDecodeError as exc:
                raise InputError(f"{name}: starts with a {enc} byte-order mark but is not {enc}: {exc}") from None
    if _looks_binary(data):
        raise InputError(f"{name}: binary data, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # GB18030 accepts almost any bytes, so a Big5 file also "decodes" as GB18030:
    # keep the reading whose text segments into real words
    readings = []
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        readings.append((_word_plausibility(text), enc, text))
    if readings:
        score, enc, text = max(readings)
        if score > 0.3:
            return text, enc
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputError(f"{name}: cannot detect the text encoding (not UTF-8, GB18030, Big5 or another known encoding)")
    return str(best), best.encoding
