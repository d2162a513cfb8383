"""Entity mentions (organisations, roles, collection methods, risk kinds) found by the
spaCy EntityRuler, aliases resolved to one canonical entity."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .nlp import get_nlp


@dataclass
class EntityMention:
    entity: str  # canonical name
    kind: str
    surface: str
    start: int  # offsets in the text searched
    end: int


def find_entities(texts: Iterable[str]) -> list[list[EntityMention]]:
    """Mentions in each text (one list per text, in order)."""
    out = []
    for doc in get_nlp().pipe(texts, batch_size=256):
        out.append([EntityMention(e.ent_id_ or e.text, e.label_, e.text, e.start_char, e.end_char) for e in doc.ents])
    return out
