"""A claim in its raw context: the raw text around it, cut at line breaks, for the claim
page (/-/claim/ID, templates/kb_claim.html), in the article's original script."""
from __future__ import annotations


CONTEXT_CHARS = 160  # raw characters shown on each side of the claim


def claim_context(raw_text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> tuple[str, str, str]:
    """(before, claim, after) slices of the raw text, cut at line breaks where possible."""
    lo = max(0, start - width)
    nl = raw_text.rfind("\n", lo, start)
    lo = nl + 1 if nl >= 0 and start - nl < width else lo
    hi = min(len(raw_text), end + width)
    nl = raw_text.find("\n", end, hi)
    hi = nl if nl >= 0 and nl - end > width // 4 else hi
    return raw_text[lo:start], raw_text[start:end], raw_text[end:hi]
