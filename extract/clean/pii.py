"""Personal data (phone numbers, e-mail, QQ, ID-card numbers) masked character for
character, so the masked raw text keeps every offset."""
from __future__ import annotations

import re

MASK = "*"
_PATTERNS = {
    "email": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
    "id_card": re.compile(r"(?<![0-9])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[0-9Xx](?![0-9])"),
    "mobile": re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![0-9])"),
    "landline": re.compile(r"(?<![0-9])(?:0\d{2,3}[- ]?\d{7,8}|[48]00[- ]?\d{3}[- ]?\d{4})(?![0-9])"),
    "qq": re.compile(r"(?i)(?:QQ|扣扣|企鹅)\s*(?:号|号码)?\s*[:：]?\s*\d{5,11}"),
}


def find_pii(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of each piece of personal data."""
    return [(kind, m.start(), m.end()) for kind, rx in _PATTERNS.items() for m in rx.finditer(text)]


def mask_pii(text: str) -> tuple[str, list[tuple[str, int, int]]]:
    """Text with the letters and digits of personal data replaced by MASK (same length)."""
    found = find_pii(text)
    if not found:
        return text, found
    chars = list(text)
    for _, start, end in found:
        for i in range(start, end):
            if chars[i].isascii() and chars[i].isalnum():
                chars[i] = MASK
    return "".join(chars), found
