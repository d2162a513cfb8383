"""The requests the articles under some paths need, article by article."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from extract import Article, InputError
from extract.document import build_document
from extract.formats import MAX_BYTES, read_articles
from extract.llm.prompt import Request, build_requests

from ..store.ingest import find_files


@dataclass
class ArticleRequests:
    article: Article
    requests: list[Request]


def article_requests(paths: Iterable[str | Path], model: str, max_bytes: int = MAX_BYTES,
                     stored: Callable[[Path], frozenset[tuple[str, str]]] = lambda path: frozenset(),
                     ) -> Iterator[ArticleRequests | InputError]:
    """Every article's requests, in file order; files and lines that are not articles as
    InputError (the same ones `kb ingest` reports). `stored(path)`: (id, source) of the
    file's articles that need no answers (stored already, read by this extractor)."""
    for path in find_files(paths):
        if isinstance(path, InputError):
            yield path
            continue
        skip = stored(path)
        try:
            for item in read_articles(path, max_bytes):
                if isinstance(item, InputError):
                    yield item
                elif (item.id, item.source) not in skip:
                    yield ArticleRequests(item, build_requests(build_document(item), model))
        except InputError as exc:
            yield exc
