"""An article's title, found among the first lines of its page by named rules
(`extract/data/titles.yml`); a page without one is named by the opening words of its
body, marked as such. Lines in, a `Title` out: no database, nothing else changed."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from .rules import load_data
from .structure import Block, split_marker, split_sentences

TITLES = "titles.yml"
# section kinds that can hold a title; the others (meta, disclaimer, links …) are furniture
_CONTENT_KINDS = ("title", "heading", "question", "body")
_SENTENCE_END = re.compile(r"[。；;]")
_TRAILING_PUNCT = re.compile(r"[\s,，、:：;；。.!！?？…]+$")
_ONE_BOOK_TITLE = re.compile(r"^《([^《》]+)》$")


@dataclass(frozen=True)
class Title:
    """The title a reader sees and the named rule that found it: `page_title` (the page's
    markup or record), `title_label`, `repeated_line`, `joined_lines`, `first_title_line`,
    or `opening_words` when the page has no title (the text then starts with the
    `no_title_mark`)."""

    text: str
    rule: str

    @property
    def is_fallback(self) -> bool:
        return self.rule == OPENING_WORDS


OPENING_WORDS = "opening_words"


@lru_cache(maxsize=None)
def _config() -> dict:
    return load_data(TITLES)


@lru_cache(maxsize=None)
def _pattern(key: str) -> re.Pattern:
    return re.compile(_config()[key])


@lru_cache(maxsize=None)
def _not_title_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((name, re.compile(rx)) for name, rx in _config()["not_title_line"].items())


def strip_label(text: str) -> str:
    """The title without a 「标题:」 label or the 《》 wrapped round the whole of it."""
    text = _pattern("label").sub("", text.strip()).strip()
    book = _ONE_BOOK_TITLE.match(text)
    return book.group(1).strip() if book else text


def has_label(text: str) -> bool:
    return bool(_pattern("label").match(text))


def cut_run_on(text: str) -> str:
    """The title part of a line that runs on into a date, byline or table of contents,
    without the column word set apart before them (「…吗? 贷款知识 2022-05-27 …」 → 「…吗?」);
    the line itself when nothing runs on."""
    m = _pattern("run_on").search(text)
    if not m or m.start() == 0:
        return text
    head = text[:m.start()].strip()
    words = head.split()
    if len(words) > 1 and len(words[-1]) <= _config()["column_word_max"]:
        head = " ".join(words[:-1])
    return head


def _chars(text: str) -> int:
    return len(re.sub(r"\s", "", text))


def not_title_reason(text: str) -> str | None:
    """Why a line cannot be a title (the name of the rule), or None."""
    cfg = _config()
    if text in cfg["not_a_title"]:
        return "not_a_title"
    if _chars(text) < cfg["title_min_chars"]:
        return "too_short"
    if _chars(text) > cfg["title_max_chars"]:
        return "too_long"
    if "。" in text or re.search(r"[:：,，、;；]$", text):
        return "sentence"
    if split_marker(text, True)[0]:
        return "numbered_heading"
    return next((name for name, rx in _not_title_patterns() if rx.search(text)), None)


def _is_prose(text: str) -> bool:
    """A body paragraph: where the page's header (title, byline, date) has ended."""
    return "。" in text or _chars(text) > _config()["title_max_chars"]


@dataclass(frozen=True)
class _Line:
    pos: int  # among the page's non-blank lines
    kind: str
    text: str


def _header(lines: Sequence[_Line]) -> list[_Line]:
    """The lines before the body starts: the page's own furniture and its title, if any.
    A prose line that runs on from a title (its date, its contents) is cut to the title."""
    header = []
    for line in lines[:_config()["header_lines"]]:
        if line.kind not in _CONTENT_KINDS:
            header.append(line)
            continue
        cut = cut_run_on(line.text)
        if _is_prose(line.text) and cut == line.text:
            break
        header.append(_Line(line.pos, line.kind, cut))
        if _is_prose(line.text):
            break
    return header


def _candidates(header: Sequence[_Line]) -> list[_Line]:
    """Header lines that can be titles, after the last breadcrumb (what precedes it is the
    site's)."""
    crumb = _not_title_patterns()
    breadcrumb = dict(crumb)[_config()["breadcrumb_rule"]]
    last_crumb = max((i for i, line in enumerate(header) if breadcrumb.search(line.text)), default=-1)
    return [_Line(line.pos, line.kind, strip_label(line.text)) for line in header[last_crumb + 1:]
            if line.kind in _CONTENT_KINDS and not_title_reason(strip_label(line.text)) is None]


def _repeated(candidates: Sequence[_Line], lines: Sequence[_Line]) -> _Line | None:
    """The first candidate the page writes again (as a heading, in 《》) in its first lines."""
    seen = [strip_label(line.text) for line in lines[:_config()["repeat_lines"]]]
    return next((c for c in candidates if seen.count(c.text) > 1), None)


def _joined(first: _Line, candidates: Sequence[_Line]) -> Title:
    """A first line naming an organisation, joined to the title lines that follow it."""
    if not _pattern("organisation_line").search(first.text):
        return Title(first.text, "first_title_line")
    parts, pos = [first.text], first.pos
    for c in candidates:
        if c.pos == pos + 1 and _chars("".join(parts) + c.text) <= _config()["title_max_chars"]:
            parts.append(c.text)
            pos = c.pos
    return Title("".join(parts), "joined_lines") if len(parts) > 1 else Title(first.text, "first_title_line")


def opening_words(blocks: Sequence[Block]) -> Title | None:
    """The opening words of the first body paragraph (its first sentence, and the next
    ones while that is only a word or two: 「合法的。」), marked as standing for a missing
    title."""
    cfg = _config()
    for block in blocks:
        spans = split_sentences(block) if block.kind == "body" else ()
        if not spans:
            continue
        start = spans[0][0]
        end = next((e for _, e in spans if _chars(block.text[start:e]) >= cfg["opening_min_chars"]), spans[-1][1])
        sentence = _pattern_sub("opening_label", block.text[start:end])
        words = _TRAILING_PUNCT.sub("", sentence[:cfg["opening_max_chars"]])
        if words:
            return Title(f"{cfg['no_title_mark']}{words}…", OPENING_WORDS)
    return None


def _pattern_sub(name: str, text: str) -> str:
    return dict(_not_title_patterns())[name].sub("", text).strip()


def find_title(blocks: Sequence[Block], page_title: str | None = None) -> Title | None:
    """The article's title: the page's own (markup or record), else the first rule of
    titles.yml that finds one in its first lines, else its opening words."""
    if page_title and strip_label(page_title):
        return Title(strip_label(page_title), "page_title")
    lines = [_Line(i, b.kind, b.text) for i, b in enumerate(b for b in blocks if b.kind != "blank")]
    header = _header(lines)
    labelled = next((line for line in header if has_label(line.text) and strip_label(line.text)), None)
    if labelled:
        return Title(strip_label(labelled.text), "title_label")
    candidates = _candidates(header)
    repeated = _repeated(candidates, lines)
    if repeated:
        return Title(repeated.text, "repeated_line")
    if candidates:
        return _joined(candidates[0], candidates[1:])
    return opening_words(blocks)
