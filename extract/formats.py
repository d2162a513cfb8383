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

from .decode import InputError, decode_bytes

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

    @property
    def id(self) -> str:
        """Content hash: the same text from any file is the same article."""
        return hashlib.sha1(self.text.encode("utf-8")).hexdigest()[:16]


def read_articles(path: str | Path, max_bytes: int = MAX_BYTES) -> Iterator[Article | InputError]:
    """Articles of one file; a bad JSONL line yields an InputError and reading goes on."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{path}: {size:,} bytes is over the size limit of {max_bytes:,} (see --max-bytes)")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    text, encoding = decode_bytes(data, str(path))
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        yield html_article(text, str(path), encoding)
    elif suffix == ".jsonl":
        yield from jsonl_articles(text, str(path))
    else:
        yield Article(str(path), text, encoding=encoding)


def jsonl_articles(text: str, source: str) -> Iterator[Article | InputError]:
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            yield InputError(f"{source}:{n}: malformed JSON line: {exc}")
            continue
        body = rec.get("text") or rec.get("content")
        if not body and rec.get("html"):
            art = html_article(rec["html"], f"{source}#{n}", "utf-8")
            body = art.text
            rec.setdefault("title", art.title)
        if not body or not str(body).strip():
            yield InputError(f"{source}:{n}: no article text (expected a 'text' or 'html' field)")
            continue
        yield Article(f"{source}#{n}", str(body), title=rec.get("title"), url=rec.get("url"),
                      published=rec.get("published") or rec.get("date"), author=rec.get("author"),
                      encoding="utf-8", fmt="jsonl")


class _MainText(HTMLParser):
    """Collects block text of a page, dropping scripts, styles, navigation and footers."""

    SKIP = {"script", "style", "nav", "footer", "header", "aside", "noscript", "form", "iframe", "svg"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "blockquote", "dd", "dt"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.title: list[str] = []
        self.in_title = False
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        elif tag == "meta":
            key = (a.get("name") or a.get("property") or "").lower()
            if key and a.get("content"):
                self.meta[key] = a["content"]
        elif tag == "time" and a.get("datetime"):
            self.meta.setdefault("time", a["datetime"])
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        elif tag == "title":
            self.in_title = False
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        elif not self.skip:
            self.parts.append(data)


def html_article(html: str, source: str, encoding: str | None) -> Article:
    parser = _MainText()
    parser.feed(html)
    lines = [re.sub(r"[ \t\u3000\xa0]+", " ", l).strip() for l in "".join(parser.parts).split("\n")]
    text = "\n".join(l for l in lines if l)
    if not text.strip():
        raise InputError(f"{source}: HTML page with no article text")
    meta = parser.meta
    title = "".join(parser.title).strip() or meta.get("og:title")
    published = meta.get("article:published_time") or meta.get("pubdate") or meta.get("publishdate") or meta.get("time")
    return Article(source, text, title=title, published=published, author=meta.get("author"),
                   url=meta.get("og:url"), encoding=encoding, fmt="html")
