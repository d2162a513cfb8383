"""Input files to Article records: .txt (one article), .html/.htm (the main text of a
page), .jsonl (one article a line). One file may hold many articles."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator

from .decode import InputError, Skipped, decode_text

SUFFIXES = (".txt", ".html", ".htm", ".jsonl")
MAX_BYTES = 20_000_000


@dataclass
class Article:
    source: str  # path (with #line for JSONL) or URL
    text: str  # decoded text exactly as scraped
    title: str | None = None
    published: str | None = None
    author: str | None = None
    url: str | None = None
    encoding: str | None = None
    fmt: str = "txt"
    meta: dict = field(default_factory=dict)
    replaced_bytes: int = 0  # invalid bytes of the file replaced by U+FFFD when decoding
    truncated: bool = False  # the file was cut inside its last character

    @property
    def damage(self) -> str | None:
        """What decoding repaired, for a warning: '3 invalid bytes replaced by U+FFFD'."""
        notes = [f"{self.replaced_bytes} invalid byte{'s' * (self.replaced_bytes > 1)} replaced by U+FFFD"] \
            if self.replaced_bytes else []
        if self.truncated:
            notes.append("cut inside its last character (dropped)")
        return ", ".join(notes) or None

    @property
    def id(self) -> str:
        """Content hash: the same text from any file is the same article."""
        return hashlib.sha1(self.text.encode("utf-8")).hexdigest()[:16]


def read_articles(path: str | Path, max_bytes: int = MAX_BYTES) -> Iterator[Article | InputError]:
    """Articles of one file; a bad JSONL line yields an InputError and reading goes on."""
    path = Path(path)
    if not is_text_format(path):
        raise Skipped(f"{path}: not a text format ({path.suffix.lower()}), skipped")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{path}: {size:,} bytes is over the size limit of {max_bytes:,} (see --max-bytes)")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    decoded = decode_text(data, str(path))
    text, encoding = decoded.text, decoded.encoding
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        articles: Iterator[Article | InputError] = iter([html_article(text, str(path), encoding)])
    elif suffix == ".jsonl":
        articles = jsonl_articles(text, str(path))
    else:
        articles = iter([Article(str(path), text, encoding=encoding)])
    for item in articles:
        if isinstance(item, Article):
            item.replaced_bytes, item.truncated = decoded.replaced_bytes, decoded.truncated
        yield item


def is_text_format(path: Path) -> bool:
    """A file this tool reads: .txt, .html/.htm, .jsonl, or one with no extension at all."""
    return path.suffix.lower() in SUFFIXES or not path.suffix


_PUBLISHED_FIELDS = ("published", "date", "published_at", "publish_time", "pubdate", "time")


def jsonl_articles(text: str, source: str) -> Iterator[Article | InputError]:
    """One article a line, e.g. {"url": ..., "title": ..., "text": ... | "html": ..., "published": ...}.
    A line that is not a JSON object, or has no article text, yields an InputError naming
    `source:line`; the other lines are read on."""
    # split on newlines only: str.splitlines() would also split on U+2028 and friends,
    # which JSON allows unescaped inside strings
    for n, line in enumerate(text.split("\n"), 1):
        line = line.strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError(f"a JSON {type(rec).__name__}, not an object")
        except ValueError as exc:
            yield InputError(f"{source}:{n}: malformed JSON line: {exc}")
            continue
        try:
            yield _record_article(rec, source, n)
        except InputError as exc:
            yield exc


def _field(rec: dict, *names: str) -> str | None:
    for name in names:
        value = rec.get(name)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def _record_article(rec: dict, source: str, n: int) -> Article:
    where = f"{source}:{n}"
    body = next((rec[k] for k in ("text", "content") if rec.get(k) not in (None, "")), None)
    page = None
    if body is not None and not isinstance(body, str):
        raise InputError(f"{where}: the 'text' field is a JSON {type(body).__name__}, not a string")
    if not (body and body.strip()) and rec.get("html"):
        if not isinstance(rec["html"], str):
            raise InputError(f"{where}: the 'html' field is a JSON {type(rec['html']).__name__}, not a string")
        try:
            page = html_article(rec["html"], where, "utf-8")
        except InputError:
            raise InputError(f"{where}: HTML with no article text") from None
        body = page.text
    if not body or not body.strip():
        raise InputError(f"{where}: no article text (expected a 'text' or 'html' field)")
    return Article(f"{source}#{n}", body,
                   title=_field(rec, "title") or (page and page.title),
                   url=_field(rec, "url", "link") or (page and page.url),
                   published=_field(rec, *_PUBLISHED_FIELDS) or (page and page.published),
                   author=_field(rec, "author") or (page and page.author),
                   encoding="utf-8", fmt="jsonl")


class _MainText(HTMLParser):
    """The text of a page without its scripts, styles, navigation, site header, sidebars
    and footers (by tag, and by id/class names such as "nav", "menu", "footer"); block
    elements become paragraphs (a blank line between them), <br> a line break. Also
    collects the title, <meta> fields and the first <time datetime>."""

    # not <form>: ASP.NET pages wrap the whole body in one; its controls are dropped instead
    SKIP = {"script", "style", "nav", "footer", "aside", "noscript", "iframe", "svg", "math",
            "template", "button", "select", "textarea", "object", "canvas", "head"}
    SKIP_NAMES = {"nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "footer", "sidebar",
                  "copyright", "topbar", "toolbar", "share"}
    BLOCK = {"p", "div", "li", "ul", "ol", "dl", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
             "table", "section", "article", "main", "header", "blockquote", "pre", "figure", "figcaption",
             "address", "hr", "caption", "details", "summary", "center"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
            "track", "wbr"}

    HEAD = {"title", "meta", "link", "style", "script", "base", "noscript", "template"}

    def __init__(self, by_name: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.by_name = by_name  # also hide elements by their id and class names
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # open elements, and whether each hides its content
        self.skip = 0
        self.title: list[str] = []
        self.in_title = False
        self.h1: list[str] | None = None
        self.meta: dict[str, str] = {}

    def _hides(self, tag: str, a: dict) -> bool:
        if tag in self.SKIP:
            return True
        if tag == "header":  # the site's header, not an article's own
            return not any(t in ("article", "main") for t, _ in self.stack)
        if not self.by_name or tag in ("html", "body", "main", "article"):
            return False
        a_role = a.get("role", "").lower()
        if a_role in ("navigation", "contentinfo", "banner", "menu", "menubar"):
            return True
        for name in f"{a.get('id', '')} {a.get('class', '')}".lower().split():
            if name.startswith(("has-", "no-", "with-", "is-")):
                continue
            parts = re.split(r"[-_]", name)
            if name in self.SKIP_NAMES or parts[0] in self.SKIP_NAMES or parts[-1] in self.SKIP_NAMES:
                return True
        return False

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag not in self.HEAD and any(t == "head" for t, _ in self.stack):
            self.handle_endtag("head")  # </head> is optional: the body has begun
        if tag == "meta":
            key = (a.get("name") or a.get("property") or a.get("itemprop") or "").lower()
            if key and a.get("content", "").strip():
                self.meta.setdefault(key, a["content"].strip())
        elif tag == "time" and a.get("datetime", "").strip() and not self.skip:
            self.meta.setdefault("time", a["datetime"].strip())
        elif tag == "title" and not self.title and not self._hidden_in_body():
            self.in_title = True
        elif tag == "h1" and self.h1 is None and not self.skip:
            self.h1 = []
        if tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCK:
            self.parts.append("\n\n")
        if tag in self.VOID:
            return
        hides = self._hides(tag, a)
        self.stack.append((tag, hides))
        self.skip += hides

    def _hidden_in_body(self) -> bool:
        """Inside something hidden other than <head> (e.g. an <svg> with its own <title>)."""
        return any(h and t != "head" for t, h in self.stack)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        elif tag == "h1" and self.h1 is not None and not isinstance(self.h1, str):
            self.h1 = "".join(self.h1)
        if tag in self.BLOCK:
            self.parts.append("\n\n")
        for i in range(len(self.stack) - 1, -1, -1):  # close it and whatever was left open in it
            if self.stack[i][0] == tag:
                self.skip -= sum(h for _, h in self.stack[i:])
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        elif not self.skip:
            self.parts.append(data)
            if isinstance(self.h1, list):
                self.h1.append(data)


_SPACES = re.compile(r"[ \t\r\f\v\xa0\u2000-\u200a\u202f\u205f\u3000]+")

AUTHOR_META = ("author", "article:author", "dc.creator", "byl")
PUBLISHED_META = ("article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
                  "publish_date", "dc.date", "date", "time")


def _parse(html: str, by_name: bool) -> _MainText:
    parser = _MainText(by_name)
    parser.feed(html)
    parser.close()
    return parser


def _paragraphs(parts: list[str]) -> str:
    paragraphs, lines = [], []
    for line in "".join(parts).split("\n"):
        line = _SPACES.sub(" ", line).strip()
        if line:
            lines.append(line)
        elif lines:
            paragraphs.append("\n".join(lines))
            lines = []
    if lines:
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def html_article(html: str, source: str, encoding: str | None) -> Article:
    """The main text of a page, with its title, publication date, author and URL where
    the page gives them. Raises InputError naming `source` when the page has no text."""
    parser = _parse(html, by_name=True)
    text = _paragraphs(parser.parts)
    if not text:  # hiding by id and class names went too far: hide only by tag
        parser = _parse(html, by_name=False)
        text = _paragraphs(parser.parts)
    if not text:
        raise InputError(f"{source}: HTML page with no article text")
    meta = parser.meta
    title = _SPACES.sub(" ", "".join(parser.title)).strip()
    h1 = _SPACES.sub(" ", parser.h1).strip() if isinstance(parser.h1, str) else ""
    if h1 and title.startswith(h1):  # "<h1>" of "<h1> - Site name"
        title = h1
    title = meta.get("og:title") or title or h1 or None
    published = next((meta[k] for k in PUBLISHED_META if k in meta), None)
    author = next((meta[k] for k in AUTHOR_META if k in meta and not meta[k].startswith("http")), None)
    return Article(source, text, title=title, published=published, author=author,
                   url=meta.get("og:url"), encoding=encoding, fmt="html")
