"""Article to Document: masked raw text, cleaned lines with exact offsets, sections,
sentences, repair edits and garbling signals."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .clean.mojibake import find_mojibake
from .clean.pii import mask_pii
from .clean.pinyin import RULE as PINYIN_RULE
from .clean.pinyin import find_pinyin_annotations
from .clean.repairs import find_garbling
from .clean.script import detect_script, to_simplified
from .clean.stuffing import RULE as STUFFING_RULE
from .clean.stuffing import find_stuffing
from .formats import Article
from .offsets import MappedText
from .structure import CLAIM_SECTIONS, Block, Sentence, classify_lines, split_sentences

_BREAK = re.compile(r"\r\n|\r|\n")
_DATE = re.compile(r"(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})")


@dataclass
class RecordedEdit:
    rule: str
    raw_start: int
    raw_end: int
    original: str
    replacement: str


@dataclass
class Signal:
    kind: str  # pinyin_annotation, deleted_word, spun_phrase, mojibake, stuffed_keyword
    rule: str
    raw_start: int
    raw_end: int
    text: str


@dataclass
class Document:
    article: Article
    raw_text: str  # decoded text with personal data masked (same length)
    script: str
    lines: list[MappedText]
    blocks: list[Block]
    sentences: list[Sentence]
    edits: list[RecordedEdit] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    pii: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def clean(self) -> MappedText:
        """Analysis text of the article; spam and related links left out."""
        keep = [m for m, b in zip(self.lines, self.blocks) if b.kind not in ("spam", "links", "blank")]
        return MappedText.join(keep) if keep else MappedText.identity("")

    @property
    def title(self) -> str | None:
        if self.article.title:
            return self.article.title
        return next((b.text for b in self.blocks if b.kind == "title"), None)

    @property
    def published(self) -> str | None:
        if self.article.published:
            return self.article.published
        for b in self.blocks[:12]:
            m = _DATE.search(b.text) if b.kind in ("meta", "title") else None
            if m:
                return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        return None

    @property
    def garble_score(self) -> float:
        """Garbling signals per 1,000 characters of raw text."""
        return round(1000 * len(self.signals) / max(1, len(self.raw_text)), 2)


def raw_lines(raw: str) -> list[tuple[int, int]]:
    """(start, end) of each line, line breaks (\n, \r\n, \r) excluded."""
    spans, pos = [], 0
    for m in _BREAK.finditer(raw):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(raw)))
    return spans


def clean_line(raw: str, start: int, end: int, doc: Document) -> MappedText:
    """The cleaned, simplified text of raw[start:end], mapped back to raw offsets."""
    mt = MappedText.identity(raw[start:end], base=start)
    # mojibake first: a repaired character can carry a pinyin annotation of its own
    mt, applied = mt.apply(find_mojibake(mt.text))
    for e, rs, re_ in applied:
        doc.signals.append(Signal("mojibake", e.rule, rs, re_, raw[rs:re_]))
        if e.replacement != raw[rs:re_]:
            doc.edits.append(RecordedEdit(e.rule, rs, re_, raw[rs:re_], e.replacement))
    mt, applied = mt.apply(find_pinyin_annotations(mt.text))
    for e, rs, re_ in applied:
        doc.signals.append(Signal("pinyin_annotation", PINYIN_RULE, rs, re_, raw[rs:re_]))
        doc.edits.append(RecordedEdit(e.rule, rs, re_, raw[rs:re_], ""))
    mt = MappedText(to_simplified(mt.text), mt.starts)
    signals, edits = find_garbling(mt.text)
    for kind, rule, s, e in signals:
        rs, re_ = mt.raw_span(s, e)
        doc.signals.append(Signal(kind, rule, rs, re_, raw[rs:re_]))
    for s, e in find_stuffing(mt.text):
        rs, re_ = mt.raw_span(s, e)
        doc.signals.append(Signal("stuffed_keyword", STUFFING_RULE, rs, re_, raw[rs:re_]))
    mt, applied = mt.apply(edits)
    for e, rs, re_ in applied:
        doc.edits.append(RecordedEdit(e.rule, rs, re_, raw[rs:re_], e.replacement))
    return _strip(mt)


def _strip(mt: MappedText) -> MappedText:
    s, e = 0, len(mt.text)
    while s < e and mt.text[s].isspace():
        s += 1
    while e > s and mt.text[e - 1].isspace():
        e -= 1
    return mt.slice(s, e)


def build_document(article: Article) -> Document:
    raw, pii = mask_pii(article.text)
    doc = Document(article, raw, detect_script(raw), [], [], [], pii=pii)
    spans = raw_lines(raw)
    doc.lines = [clean_line(raw, s, e, doc) for s, e in spans]
    doc.blocks = classify_lines([(s, e, mt.text) for (s, e), mt in zip(spans, doc.lines)])
    for block, mt in zip(doc.blocks, doc.lines):
        block.raw_start, block.raw_end = mt.raw_span(0, len(mt.text)) if mt.text else (block.raw_start, block.raw_start)
        if block.kind not in CLAIM_SECTIONS:
            continue
        for s, e in split_sentences(block):
            rs, re_ = mt.raw_span(s, e)
            doc.sentences.append(Sentence(len(doc.sentences), block, s, e, block.text[s:e], rs, re_))
    return doc
