"""Article to Document: masked raw text, cleaned lines with exact offsets, sections,
sentences, repair edits and garbling signals."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .clean.mojibake import find_mojibake, may_hold_mojibake
from .clean.pii import mask_pii
from .clean.pinyin import RULE as PINYIN_RULE
from .clean.pinyin import find_pinyin_annotations
from .clean.repairs import find_garbling
from .clean.script import detect_script, simplified_lines
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


def _unscramble(raw: str, start: int, end: int, mojibake: bool,
                signals: list[Signal], edits: list[RecordedEdit]) -> MappedText:
    """raw[start:end] with mojibake repaired and pinyin readings removed (the text to
    convert to simplified script), mapped back to raw offsets; `mojibake` False when the
    article can hold none (extract.clean.mojibake.may_hold_mojibake)."""
    mt = MappedText.identity(raw[start:end], base=start)
    # mojibake first: a repaired character can carry a pinyin annotation of its own
    mt, applied = mt.apply(find_mojibake(mt.text) if mojibake else [])
    for e, rs, re_ in applied:
        signals.append(Signal("mojibake", e.rule, rs, re_, raw[rs:re_]))
        if e.replacement != raw[rs:re_]:
            edits.append(RecordedEdit(e.rule, rs, re_, raw[rs:re_], e.replacement))
    mt, applied = mt.apply(find_pinyin_annotations(mt.text))
    for e, rs, re_ in applied:
        signals.append(Signal("pinyin_annotation", PINYIN_RULE, rs, re_, raw[rs:re_]))
        edits.append(RecordedEdit(e.rule, rs, re_, raw[rs:re_], ""))
    return mt


def _repair(raw: str, mt: MappedText, signals: list[Signal], edits: list[RecordedEdit]) -> MappedText:
    """A simplified line with its garbling found and the confident repairs applied."""
    found, repairs = find_garbling(mt.text)
    for kind, rule, s, e in found:
        rs, re_ = mt.raw_span(s, e)
        signals.append(Signal(kind, rule, rs, re_, raw[rs:re_]))
    for s, e in find_stuffing(mt.text):
        rs, re_ = mt.raw_span(s, e)
        signals.append(Signal("stuffed_keyword", STUFFING_RULE, rs, re_, raw[rs:re_]))
    mt, applied = mt.apply(repairs)
    for e, rs, re_ in applied:
        edits.append(RecordedEdit(e.rule, rs, re_, raw[rs:re_], e.replacement))
    return _strip(mt)


def clean_lines(raw: str, spans: list[tuple[int, int]], doc: Document) -> list[MappedText]:
    """The cleaned, simplified text of each raw[start:end], mapped back to raw offsets;
    the line's signals and edits are added to the document in line order. All the lines go
    through OpenCC in one call, and the article is tested for mojibake once: per line,
    these were most of the cleaning time."""
    mojibake = may_hold_mojibake(raw)
    per_line = [([], []) for _ in spans]
    unscrambled = [_unscramble(raw, s, e, mojibake, *found) for (s, e), found in zip(spans, per_line)]
    simplified = simplified_lines([mt.text for mt in unscrambled])
    lines = []
    for mt, text, (signals, edits) in zip(unscrambled, simplified, per_line):
        lines.append(_repair(raw, MappedText(text, mt.starts), signals, edits))
        doc.signals += signals
        doc.edits += edits
    return lines


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
    doc.lines = clean_lines(raw, spans, doc)
    doc.blocks = classify_lines([(s, e, mt.text) for (s, e), mt in zip(spans, doc.lines)])
    for block, mt in zip(doc.blocks, doc.lines):
        block.raw_start, block.raw_end = mt.raw_span(0, len(mt.text)) if mt.text else (block.raw_start, block.raw_start)
        if block.kind not in CLAIM_SECTIONS:
            continue
        for s, e in split_sentences(block):
            rs, re_ = mt.raw_span(s, e)
            doc.sentences.append(Sentence(len(doc.sentences), block, s, e, block.text[s:e], rs, re_))
    return doc
