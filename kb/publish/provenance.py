"""A claim in its raw context: the sentence highlighted among the sentences around it,
in the article's original script, next to the cleaned text. Served at /-/claim/ID."""
from __future__ import annotations

from html import escape
from urllib.parse import quote

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


def render_claim(row: dict, raw_text: str, database: str = "kb") -> str:
    """HTML of one claim's provenance; every piece of article text is escaped."""
    before, claim, after = claim_context(raw_text, row["raw_start"], row["raw_end"])
    facts = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(row[k]))}</td></tr>"
                    for k in ("type", "stance", "subject", "section", "rule", "raw_start", "raw_end") if row.get(k) is not None)
    return (
        "<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\">"
        f"<title>Claim {int(row['id'])}</title><style>"
        "body{font-family:'Noto Sans CJK SC','Noto Sans SC',sans-serif;max-width:60em;margin:2em auto;line-height:1.7}"
        "mark{background:#ffe58a}.raw{white-space:pre-wrap;border-left:4px solid #ccc;padding-left:1em}"
        "th{text-align:left;padding-right:1em}</style></head><body>"
        f"<p><a href=\"/{quote(database)}/claims/{int(row['id'])}\">claims row {int(row['id'])}</a> · "
        f"<a href=\"/{quote(database)}/articles/{quote(row['article_id'])}\">"
        f"{escape(row.get('title') or row['article_id'])}</a> · "
        f"<a href=\"/-/graph?node=claim:{int(row['id'])}&amp;db={quote(database)}\">graph view</a></p>"
        f"<table>{facts}</table>"
        "<h2>Raw text (as scraped)</h2>"
        f"<div class=\"raw\">{escape(before)}<mark>{escape(claim)}</mark>{escape(after)}</div>"
        "<h2>Cleaned text (analysis)</h2>"
        f"<p>{escape(row['text'] or '')}</p></body></html>"
    )
