"""Entity mentions (organisations, roles, collection methods, risk kinds) found as the
spaCy EntityRuler finds them (extract.nlp.match_entities), aliases resolved to one
canonical entity."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .nlp import match_entities


@dataclass
class EntityMention:
    entity: str  # canonical name
    kind: str
    surface: str
    start: int  # offsets in the text searched
    end: int


def find_entities(texts: Iterable[str]) -> list[list[EntityMention]]:
    """Mentions in each text (one list per text, in order)."""
    return [[EntityMention(id_ or text[s:e], label, text[s:e], s, e) for s, e, label, id_ in match_entities(text)]
            for text in texts]
