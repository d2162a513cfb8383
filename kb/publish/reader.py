"""An article with its claims marked, for the reader page /-/article/ID: the raw text cut
into its sections (body, headings, comments, links, spam … kept visibly apart), and each
section into pieces, every piece with the claims that cover it. Pure: rows in, pieces out;
the template escapes the text."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Piece:
    text: str
    claims: list[dict] = field(default_factory=list)  # the claims covering it, shortest first

    @property
    def claim(self) -> dict | None:
        """The claim a mark links to: the narrowest one covering the piece."""
        return self.claims[0] if self.claims else None


@dataclass
class Section:
    kind: str
    pieces: list[Piece]


def marked_pieces(text: str, offset: int, claims: list[dict]) -> list[Piece]:
    """`text` (raw offsets from `offset`) cut at every claim boundary inside it."""
    end = offset + len(text)
    inside = [c for c in claims if c["raw_start"] < end and c["raw_end"] > offset]
    cuts = sorted({offset, end, *(max(offset, min(end, c[k])) for c in inside for k in ("raw_start", "raw_end"))})
    pieces = []
    for a, b in zip(cuts, cuts[1:]):
        covering = sorted((c for c in inside if c["raw_start"] <= a and c["raw_end"] >= b),
                          key=lambda c: (c["raw_end"] - c["raw_start"], c["id"]))
        pieces.append(Piece(text[a - offset:b - offset], covering))
    return pieces


def article_sections(raw_text: str, sections: list[dict], claims: list[dict]) -> list[Section]:
    """The raw text as its sections in order (the text between them as 'blank'), each
    cut into marked pieces; every character of the raw text appears exactly once."""
    out: list[Section] = []
    at = 0
    for s in sorted(sections, key=lambda s: s["raw_start"]):
        start, end = max(at, s["raw_start"]), s["raw_end"]
        if start > at:
            out.append(Section("blank", [Piece(raw_text[at:start])]))
        if end > start:
            out.append(Section(s["kind"], marked_pieces(raw_text[start:end], start, claims)))
            at = end
    if at < len(raw_text):
        out.append(Section("blank", marked_pieces(raw_text[at:], at, claims)))
    return out
