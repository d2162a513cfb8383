"""The spaCy pipeline: a blank Chinese pipeline segmented by jieba-rs (rjieba, the same
dictionary as jieba at ~30× its speed) with an EntityRuler built from the lexicons.
Built once per process."""
from __future__ import annotations

from functools import lru_cache

import rjieba
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from .rules import load_data


class JiebaRsTokenizer:
    """spaCy tokenizer over rjieba.cut; whitespace tokens are kept so offsets are exact."""

    def __init__(self, vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words = [w for w in rjieba.cut(text) if w]
        return Doc(self.vocab, words=words, spaces=[False] * len(words))

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
    nlp = spacy.blank("zh")
    nlp.tokenizer = JiebaRsTokenizer(nlp.vocab)
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(entity_patterns())
    return nlp
