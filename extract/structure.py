"""Lines to sections: title, meta, headings with their path, FAQ questions, body,
reader comments, related links, disclaimers, contact lines and spam; body lines to
sentences."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from .rules import first_match, named_patterns

SECTIONS = "sections.yml"
CLAIM_SECTIONS = ("body", "comment")

_CN = "一二三四五六七八九十"
_MARKER = re.compile(
    rf"^(?:(?P<cn>[{_CN}]{{1,3}})\s*[、.．,，:：]"
    rf"|(?P<num>\d{{1,2}}(?:\.\d{{1,2}})+)\.?\s*"
    rf"|(?P<one>\d{{1,2}})\s*(?:[.、．)）:：]|\s)"
    rf"|[（(](?P<par>[{_CN}\d]{{1,3}})[)）]"
    rf"|第(?P<ord>[{_CN}\d]{{1,3}})[步章节部分点条个][,，、:：\s]?"
    rf"|(?P<bullet>[•·●▪◆■]|[-*+](?=\s)))\s*"
)
# a bare numeral heading whose 、 was deleted: 一法律框架与基本立场
_BARE_CN = re.compile(rf"^(?P<cn>[{_CN}])(?![般些定旦直样种个次起切方面是致同线])")
# ASCII ? and ! end a sentence unless mojibake continues right after them
# 「…需要分情况讨论:1、如果…」: a colon or semicolon before a list number ends a sentence too,
# but not the colon of a time (「工作日9:00-17:00)」: no list number 00)
_SENTENCE_END = re.compile(r"吗(?=\s+\S)|(?:[。！？]|[!?](?![A-Za-z\u0080-\u024f]))+[”」』\"'）)]*|[:：]\s+(?=\S)|[;；]\s+(?=\S)"
                           rf"|(?:(?<!\d)[:：]|[;；])(?=\s*(?:\d{{1,2}}|[{_CN}]{{1,3}})[、．)）])")
_LABEL = re.compile(r"^([^,，。:：;；]{1,14})[:：]\s*(?=\S)")
# a row of a pipe table (「| 债务评估 | 分析债务凭证 | … |」) and its rule line (「|---|---|」)
_TABLE_ROW = re.compile(r"^\|.*\|")
_TABLE_RULE = re.compile(r"^\|[|\-–—:：\s]*$")
_TABLE_CELL = re.compile(r"[^|]+")
_HEADING_MAX = 40


@dataclass
class Block:
    """One line of the article with its section kind."""

    idx: int
    kind: str  # title, meta, heading, question, body, comment, comment_header, links, disclaimer, contact, spam, blank
    rule: str
    raw_start: int
    raw_end: int
    text: str  # cleaned, simplified
    level: int = 0
    marker: str = ""
    label: str = ""  # inline label before a colon: 「一、委托: …」
    heading_path: tuple[str, ...] = ()
    heading_markers: tuple[str, ...] = ()  # the numbering of each heading in the path
    commenter: str | None = None
    comment_date: str | None = None
    comment_idx: int | None = None


@dataclass
class Sentence:
    idx: int
    block: Block
    start: int  # offsets in the block's clean text
    end: int
    text: str
    raw_start: int = 0
    raw_end: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def section(self) -> str:
        return self.block.kind


def _is_bullet(text: str) -> bool:
    m = _MARKER.match(text)
    return bool(m and m.group("bullet"))


def marker_level(m: re.Match) -> int:
    if m.group("cn") or m.group("ord"):
        return 2
    if m.group("num"):
        return 2 + m.group("num").count(".")
    return 3


def split_marker(text: str, heading_like: bool) -> tuple[str, int, str]:
    """(marker, level, rest) of a numbered line; ('', 0, text) when not numbered."""
    m = _MARKER.match(text)
    if m:
        return m.group(0), marker_level(m), text[m.end():]
    if heading_like:
        m = _BARE_CN.match(text)
        if m and len(text) > 3:
            return m.group(0), 2, text[1:]
    return "", 0, text


def is_heading_like(text: str) -> bool:
    return (0 < len(text) <= _HEADING_MAX and not re.search(r"[。！!；;]", text)
            and not re.search(r"[,，、]$", text) and len(re.findall(r"[,，]", text)) <= 1)


def _boilerplate(text: str) -> tuple[str, str] | None:
    for kind in ("disclaimer", "contact", "meta"):
        hit = first_match(named_patterns(SECTIONS, kind), text)
        if hit and (kind == "disclaimer" or len(text) <= 60):
            return kind, hit[0]
    return None


def classify_lines(lines: list[tuple[int, int, str]]) -> list[Block]:
    """Label each (raw_start, raw_end, clean text) line with its section kind."""
    blocks: list[Block] = []
    stack: list[tuple[int, str, str]] = []  # (level, heading text, its marker)
    state = {"zone": "body", "comment": None, "comment_idx": -1, "title": False, "content_list": False}
    for i, (rs, re_, text) in enumerate(lines):
        block = _classify(i, rs, re_, text.strip(), stack, state)
        if block.kind != "blank":
            # bullets after 「…:」 or right under a heading are the body's own list, as long
            # as the list goes on; a related-link list follows no heading of the article
            state["content_list"] = block.kind in ("heading", "question") or (block.kind == "body" and (
                block.text.endswith((":", "：")) or (state["content_list"] and _is_bullet(block.text))))
        blocks.append(block)
    _mark_table_headers(blocks)
    _last_heading_to_body(blocks)
    return blocks


def _last_heading_to_body(blocks: list[Block]) -> None:
    """A heading heads what follows it; the last line of a page cut short
    (「总的来说,微粒贷逾期几天后会开始催」) is the body's last sentence."""
    last = next((b for b in reversed(blocks) if b.kind != "blank"), None)
    if last is not None and last.kind == "heading":
        last.kind, last.rule, last.level = "body", "last_line", 0


def _mark_table_headers(blocks: list[Block]) -> None:
    """The row just above a table's rule line names the columns: not content."""
    for above, block in zip(blocks, blocks[1:]):
        if block.rule == "table_rule" and above.rule == "table_row":
            above.kind, above.rule = "meta", "table_header"


class LineHits(NamedTuple):
    """The section rules a line's own text matches (rule name, else None): what does not
    depend on the lines before it. Content farms repeat their lines, so it is cached."""
    spam: str | None
    links_start: str | None  # a short line that opens a list of related links
    links_item: str | None
    comment_start: str | None
    comment_header: tuple[str, str | None, str | None] | None  # rule, commenter, date
    boilerplate: tuple[str, str] | None  # kind, rule
    prose: bool


@lru_cache(maxsize=1 << 13)
def line_hits(text: str) -> LineHits:
    def hit(group: str) -> str | None:
        found = first_match(named_patterns(SECTIONS, group), text)
        return found[0] if found else None

    header = first_match(named_patterns(SECTIONS, "comment_header"), text)
    return LineHits(hit("spam"), hit("links_start") if len(text) <= 20 else None, hit("links_item"),
                    hit("comment_start"),
                    (header[0], header[1].group("commenter") or None, header[1].group("date")) if header else None,
                    _boilerplate(text), _starts_prose(text))


def _classify(i: int, rs: int, re_: int, text: str, stack: list, state: dict) -> Block:
    b = Block(i, "blank", "", rs, re_, text)
    if not text:
        return b
    hits = line_hits(text)
    if hits.spam:
        b.kind, b.rule = "spam", hits.spam
        return b
    if state["zone"] == "links" and not hits.prose:
        b.kind, b.rule = "links", "related_list"
        return b
    if hits.links_start:
        state["zone"] = "links"
        b.kind, b.rule = "links", hits.links_start
        return b
    if hits.links_item and not state["content_list"]:
        b.kind, b.rule = "links", hits.links_item
        return b
    if hits.comment_start:
        state["zone"] = "comments"
        b.kind, b.rule = "meta", hits.comment_start
        return b
    if hits.comment_header:
        state["zone"] = "comments"
        rule, commenter, date = hits.comment_header
        state["comment"] = (commenter, date)
        state["comment_idx"] += 1
        b.kind, b.rule = "comment_header", rule
        b.commenter, b.comment_date = state["comment"]
        b.comment_idx = state["comment_idx"]
        return b
    if hits.boilerplate:
        b.kind, b.rule = hits.boilerplate
        return b
    if state["zone"] == "comments" and state["comment"]:
        b.kind, b.rule = "comment", "after_avatar_line"
        b.commenter, b.comment_date = state["comment"]
        b.comment_idx = state["comment_idx"]
        # a reader comment answers the article, not the heading it happens to follow
        return b
    _classify_content(b, text, stack, state)
    return b


def _path(stack: list[tuple[int, str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(h for _, h, _ in stack), tuple(m for _, _, m in stack)


_CN_DIGITS = {c: i + 1 for i, c in enumerate("一二三四五六七八九")}


def marker_number(marker: str) -> int | None:
    """The step number a list marker gives: 「三、」 → 3, 「3.3.2」 → 2, 「(4)」 → 4."""
    nums = re.findall(r"\d+", marker)
    if nums:
        return int(nums[-1])
    cn = re.findall(r"[一二三四五六七八九十]+", marker)
    if not cn:
        return None
    word = cn[-1]
    if word == "十":
        return 10
    if word.startswith("十"):
        return 10 + _CN_DIGITS.get(word[1:], 0)
    if "十" in word:
        tens, _, ones = word.partition("十")
        return 10 * _CN_DIGITS.get(tens, 1) + _CN_DIGITS.get(ones, 0)
    return _CN_DIGITS.get(word)


def _starts_prose(text: str) -> bool:
    return len(text) > 60 and bool(re.search(r"[。！？]", text))


def _classify_content(b: Block, text: str, stack: list, state: dict) -> None:
    if _TABLE_ROW.match(text) or _TABLE_RULE.match(text):
        _classify_table_line(b, text, stack)
        return
    looks_heading = is_heading_like(text)
    marker, level, rest = split_marker(text, looks_heading)
    bulleted = _is_bullet(text)
    inner = _MARKER.match(rest) if bulleted else None
    if inner and not inner.group("bullet"):  # 「• 2. 管理机制优化」: the bullet carries a numbered heading
        marker, level, rest = inner.group(0), marker_level(inner), rest[inner.end():]
        bulleted = False
    # a bulleted line is an item of a list, not a heading (「- 录音设备:手机自带录音就行」)
    heading_like = looks_heading and not bulleted
    b.marker, b.level = marker, level
    question = bool(re.search(r"[?？]\s*$", text)) and len(text) <= 60
    if not state["title"] and heading_like and not marker:
        state["title"] = True
        b.kind, b.rule = "title", "first_heading_line"
        return
    state["title"] = True
    if question or (heading_like and rest and not re.search(r"[:：]$", rest)):
        b.kind = "question" if question else "heading"
        b.rule = "question_line" if question else ("numbered_heading" if marker else "short_line")
        level = level or 1
        b.level = level
        while stack and stack[-1][0] >= level:
            stack.pop()
        b.heading_path, b.heading_markers = _path(stack)
        stack.append((level, rest.strip() or text, marker))
        return
    b.kind, b.rule = "body", "paragraph"
    b.heading_path, b.heading_markers = _path(stack)
    m = _LABEL.match(rest)
    if marker and m:
        b.label = m.group(1).strip()


def _classify_table_line(b: Block, text: str, stack: list) -> None:
    """A table row is body text whose first cell labels the others (like 「风险:…」)."""
    b.heading_path, b.heading_markers = _path(stack)
    if _TABLE_RULE.match(text):
        b.kind, b.rule = "meta", "table_rule"
        return
    b.kind, b.rule = "body", "table_row"
    cells = table_cells(text)
    if len(cells) > 1:
        b.label = text[slice(*cells[0])].strip()


def table_cells(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty cell of a pipe-table row."""
    return [m.span() for m in _TABLE_CELL.finditer(text) if m.group(0).strip()]


def split_sentences(block: Block) -> tuple[tuple[int, int], ...]:
    """(start, end) of each sentence in the block's clean text; the end keeps the
    closing punctuation, leading whitespace is skipped. In a table row each cell but
    the labelling first one is split on its own."""
    return _split(block.text, block.rule == "table_row")


@lru_cache(maxsize=1 << 13)  # a line is split the same wherever it recurs
def _split(text: str, table_row: bool) -> tuple[tuple[int, int], ...]:
    if table_row:
        cells = table_cells(text)
        return tuple(span for s, e in (cells[1:] if len(cells) > 1 else cells) for span in _sentence_spans(text, s, e))
    return tuple(_sentence_spans(text, 0, len(text)))


def _sentence_spans(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    spans, pos = [], lo
    for m in _SENTENCE_END.finditer(text, lo, hi):
        end = m.end() if m.group(0)[0] not in ":：;；" else m.start() + 1
        spans.append((pos, end))
        pos = m.end()
    if pos < hi:
        spans.append((pos, hi))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s >= 2:
            out.append((s, e))
    return out
