"""Pure text processing for articles about credit-card debt-collection outsourcing.

    from extract import load, analyse
    for article in load("corpus/000_bc4a86700b171b97.txt"):
        result = analyse(article)
        for claim in result.claims:
            print(claim.type, claim.stance, claim.subject, claim.text)

No database, no network: text in, records out, every span with offsets into the raw text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .claims import Claim, assign_objects, extract_claims, offline_extractor
from .decode import InputError
from .document import Document, build_document
from .entities import EntityMention, find_entities
from .formats import Article, read_articles
from .laws import LawMention, find_laws

__all__ = ["load", "analyse", "Analysis", "Article", "Claim", "Document", "InputError"]


@dataclass
class Analysis:
    document: Document
    claims: list[Claim]
    # per sentence index: mentions with offsets relative to the sentence's clean text
    laws: dict[int, list[LawMention]] = field(default_factory=dict)
    entities: dict[int, list[EntityMention]] = field(default_factory=dict)
    # with a language model's reader (extract.llm.reader): its rejected claims, and why the
    # offline claims stand when it could not read the article
    rejected: list = field(default_factory=list)
    fallback: str | None = None
    extractor: str = ""  # what made the claims: offline:<model version> or llm:<model>@<prompt version>

    @property
    def article(self) -> Article:
        return self.document.article


def load(path: str | Path) -> Iterator[Article]:
    """Articles of one file; raises InputError for a file (or JSONL line) that is not one."""
    for item in read_articles(path):
        if isinstance(item, InputError):
            raise item
        yield item


def analyse(article: Article, reader: Callable[[Document], "Reading"] | None = None) -> Analysis:
    """Clean the article, find its laws and entities, and its claims: by the offline model,
    or by `reader` (extract.llm.reader.AnswerReader: a language model's answers), which
    falls back to the offline claims when it cannot read the article."""
    doc = build_document(article)
    sentences = doc.sentences
    laws = {s.idx: found for s in sentences if (found := find_laws(s.text))}
    entities = {s.idx: found for s, found in zip(sentences, find_entities(s.text for s in sentences)) if found}
    reading = reader(doc) if reader else None
    read = reading is not None and reading.claims is not None
    claims = reading.claims if read else extract_claims(sentences)
    assign_objects(claims, entities)
    result = Analysis(doc, claims, laws, entities, extractor=reading.extractor if read else offline_extractor())
    if reading:
        result.rejected, result.fallback = reading.rejected, reading.fallback
    return result
