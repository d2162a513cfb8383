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
from .memo import BatchMemo
from .offsets import MappedText
from .structure import CLAIM_SECTIONS, Block, Sentence, classify_lines, split_sentences
from .title import Title, find_title

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
        keep = self._kept_lines()
        return MappedText.join(keep) if keep else MappedText.identity("")

    @property
    def clean_text(self) -> str:
        """`clean.text`, without mapping its offsets."""
        return "\n".join(m.text for m in self._kept_lines())

    def _kept_lines(self) -> list[MappedText]:
        return [m for m, b in zip(self.lines, self.blocks) if b.kind not in ("spam", "links", "blank")]

    @property
    def headline(self) -> Title | None:
        """The title and the rule that found it (`extract.title`): the page's own, one
        found in its first lines, or its opening words marked as standing for none."""
        return find_title(self.blocks, self.article.title)

    @property
    def title(self) -> str | None:
        headline = self.headline
        return headline.text if headline else None

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


def _unscramble(line: str, signals: list[Signal], edits: list[RecordedEdit]) -> MappedText:
    """A raw line with mojibake repaired and pinyin readings removed (the text to convert
    to simplified script), mapped back to offsets in the line."""
    mt = MappedText.identity(line)
    # mojibake first: a repaired character can carry a pinyin annotation of its own
    mt, applied = mt.apply(find_mojibake(line) if may_hold_mojibake(line) else [])
    for e, rs, re_ in applied:
        signals.append(Signal("mojibake", e.rule, rs, re_, line[rs:re_]))
        if e.replacement != line[rs:re_]:
            edits.append(RecordedEdit(e.rule, rs, re_, line[rs:re_], e.replacement))
    mt, applied = mt.apply(find_pinyin_annotations(mt.text))
    for e, rs, re_ in applied:
        signals.append(Signal("pinyin_annotation", PINYIN_RULE, rs, re_, line[rs:re_]))
        edits.append(RecordedEdit(e.rule, rs, re_, line[rs:re_], ""))
    return mt


def _repair(line: str, mt: MappedText, signals: list[Signal], edits: list[RecordedEdit]) -> MappedText:
    """A simplified line (mapped to the raw `line`) with its garbling found and the
    confident repairs applied."""
    found, repairs = find_garbling(mt.text)
    for kind, rule, s, e in found:
        rs, re_ = mt.raw_span(s, e)
        signals.append(Signal(kind, rule, rs, re_, line[rs:re_]))
    for s, e in find_stuffing(mt.text):
        rs, re_ = mt.raw_span(s, e)
        signals.append(Signal("stuffed_keyword", STUFFING_RULE, rs, re_, line[rs:re_]))
    mt, applied = mt.apply(repairs)
    for e, rs, re_ in applied:
        edits.append(RecordedEdit(e.rule, rs, re_, line[rs:re_], e.replacement))
    return _strip(mt)


@dataclass(frozen=True)
class CleanLine:
    """One raw line cleaned (`clean_lines`), offsets relative to the line's start."""
    text: str
    starts: list[int]
    signals: tuple[Signal, ...]
    edits: tuple[RecordedEdit, ...]

    def placed(self, base: int, doc: Document) -> MappedText:
        """The line's text mapped to raw offsets for a line starting at `base`; its signals
        and edits are added to the document."""
        doc.signals += [Signal(g.kind, g.rule, g.raw_start + base, g.raw_end + base, g.text) for g in self.signals]
        doc.edits += [RecordedEdit(e.rule, e.raw_start + base, e.raw_end + base, e.original, e.replacement)
                      for e in self.edits]
        return MappedText(self.text, self.starts, base)


def clean_lines(raw: str, spans: list[tuple[int, int]], doc: Document) -> list[MappedText]:
    """The cleaned, simplified text of each raw[start:end], mapped back to raw offsets;
    the line's signals and edits are added to the document in line order. A line is
    cleaned once and remembered (`_CLEANED`)."""
    lines = [raw[s:e] for s, e in spans]
    return [line.placed(s, doc) for line, (s, _e) in zip(_CLEANED.get_many(lines), spans)]


def _clean_new_lines(lines: list[str]) -> list[CleanLine]:
    """Each raw line cleaned on its own (offsets from its start). All the lines go through
    OpenCC in one call: per line, that was most of the cleaning time."""
    per_line: list[tuple[list[Signal], list[RecordedEdit]]] = [([], []) for _ in lines]
    unscrambled = [_unscramble(line, *found) for line, found in zip(lines, per_line)]
    simplified = simplified_lines([mt.text for mt in unscrambled])
    out = []
    for line, mt, simple, (signals, edits) in zip(lines, unscrambled, simplified, per_line):
        clean = _repair(line, MappedText(simple, mt.starts), signals, edits)
        out.append(CleanLine(clean.text, clean.starts, tuple(signals), tuple(edits)))
    return out


# raw line → CleanLine: a line is cleaned the same wherever it occurs (recombined
# paragraphs, copies, boilerplate, comments)
_CLEANED: BatchMemo[str, CleanLine] = BatchMemo(_clean_new_lines, 1 << 13)


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
