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
from typing import Iterator

from .claims import Claim, assign_objects, extract_claims
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

    @property
    def article(self) -> Article:
        return self.document.article


def load(path: str | Path) -> Iterator[Article]:
    """Articles of one file; raises InputError for a file (or JSONL line) that is not one."""
    for item in read_articles(path):
        if isinstance(item, InputError):
            raise item
        yield item


def analyse(article: Article) -> Analysis:
    doc = build_document(article)
    sentences = doc.sentences
    laws = {s.idx: found for s in sentences if (found := find_laws(s.text))}
    entities = {s.idx: found for s, found in zip(sentences, find_entities(s.text for s in sentences)) if found}
    claims = extract_claims(sentences)
    assign_objects(claims, entities)
    return Analysis(doc, claims, laws, entities)
