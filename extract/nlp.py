"""The spaCy pipeline: a blank Chinese pipeline segmented by jieba-rs (rjieba, the same
dictionary as jieba at ~30× its speed) with an EntityRuler built from the lexicons.
Built once per process. `match_entities` finds what its EntityRuler finds, on the tokens
alone: ingestion calls it for every sentence, and neither builds a Doc nor imports spaCy
(a second of start-up in every process)."""
from __future__ import annotations

import itertools
from functools import lru_cache
from typing import TYPE_CHECKING

import rjieba

from .rules import load_data

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc


def words(text: str) -> list[str]:
    """The tokens of a text: rjieba.cut, whitespace kept so offsets are exact."""
    return list(cut(text))


@lru_cache(maxsize=1 << 13)
def cut(text: str) -> tuple[str, ...]:
    """`words` of a sentence, cut once: the claim features (extract/features.py) and the
    entity matches both need them."""
    return tuple(w for w in rjieba.cut(text) if w)


class JiebaRsTokenizer:
    """spaCy tokenizer over rjieba.cut; whitespace tokens are kept so offsets are exact."""

    def __init__(self, vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        from spacy.tokens import Doc

        tokens = words(text)
        return Doc(self.vocab, words=tokens, spaces=[False] * len(tokens))

    # spaCy serialisation hooks (the tokenizer holds no state)
    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> "JiebaRsTokenizer":
        return self


def entity_patterns() -> list[dict]:
    """EntityRuler patterns: label is the entity kind, id the canonical name."""
    patterns = []
    for kind, entries in load_data("entities.yml").items():
        for canon, aliases in entries.items():
            for alias in aliases:
                patterns.append({"label": kind, "pattern": alias, "id": canon})
    return patterns


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    import spacy

    nlp = spacy.blank("zh")
    nlp.tokenizer = JiebaRsTokenizer(nlp.vocab)
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(entity_patterns())
    return nlp


@lru_cache(maxsize=1)
def phrase_index() -> dict[str, tuple[tuple[tuple[str, ...], str, str], ...]]:
    """The EntityRuler's patterns tokenised as it tokenises them, by first token:
    (tokens, label, id)."""
    index: dict[str, list] = {}
    for p in entity_patterns():
        tokens = tuple(words(p["pattern"]))
        if tokens:
            index.setdefault(tokens[0], []).append((tokens, p["label"], p["id"]))
    return {first: tuple(found) for first, found in index.items()}


def match_entities(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, label, id) of each entity in a text, by character offset: what
    `get_nlp()(text).ents` holds (the EntityRuler's phrase matches on the tokens, longest
    first, then leftmost, none overlapping), without building a spaCy Doc, which cost more
    than the matching."""
    return list(_entity_spans(text))


@lru_cache(maxsize=1 << 13)  # content farms repeat their sentences across articles
def _entity_spans(text: str) -> tuple[tuple[int, int, str, str], ...]:
    tokens = cut(text)
    index = phrase_index()
    found = set()
    for i, token in enumerate(tokens):
        for seq, label, id_ in index.get(token, ()):
            if tuple(tokens[i:i + len(seq)]) == seq:
                found.add((i, i + len(seq), label, id_))
    if not found:
        return ()
    offsets = list(itertools.accumulate(map(len, tokens), initial=0))
    taken: set[int] = set()
    out = []
    for start, end, label, id_ in sorted(found, key=lambda m: (m[0] - m[1], m[0], m[2], m[3])):
        # the EntityRuler's test: a longer match taken first covers either end of a shorter one
        if start not in taken and end - 1 not in taken:
            out.append((offsets[start], offsets[end], label, id_))
            taken.update(range(start, end))
    return tuple(sorted(out))
