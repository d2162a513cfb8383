"""Named features of a sentence for claim typing: which cue rules of
claim_rules.yml match it, which heading hints its context matches, where it sits in the
article's structure, and the words of the sentence and of its nearest heading, label or
question, and their character pairs. Every feature name can be looked up: a rule in
claim_rules.yml, or a learned entry (`word:`, `char:` and their `head_` forms) with its
weight in claim_weights.yml."""
from __future__ import annotations

import re
from functools import lru_cache

from .claims_rules import compiled_rules
from .nlp import cut
from .structure import Sentence

_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
# the features whose names are learned from text (a word, a character pair), not written as rules
LEARNED_PREFIXES = ("word:", "head_word:", "char:", "head_char:")
# the context positions whose words describe the sentence (not the article's top heading)
_WORD_CONTEXTS = ("label", "question", "h1")


def content_words(text: str) -> set[str]:
    """Words of two or more characters with a Chinese character (rjieba segmentation)."""
    return {w for w in cut(text) if len(w) > 1 and _HAN.search(w)}


def char_pairs(text: str) -> set[str]:
    """Neighbouring Chinese characters: they read a sentence where segmentation differs
    (a word cut in two, a name the dictionary lacks, a deleted character) and carry
    across held-out articles (micro F1 over 5 deals 0.659 ± 0.009 → 0.666 ± 0.003)."""
    return {run[i:i + 2] for run in _HAN_RUN.findall(text) for i in range(len(run) - 1)}


_LIST_INTRO = re.compile(r"(以下|如下|几个|几点|步骤|阶段|方面|包括|包含|涵盖?|分为)[^,，。]{0,12}[:：]$")
_QUESTION_END = re.compile(r"[?？吗]\s*$")


def context_texts(sentence: Sentence, question: str | None) -> list[tuple[str, str]]:
    """(position, text) of the texts that give a sentence its type hints, nearest first."""
    block = sentence.block
    ctx = []
    if block.label:
        ctx.append(("label", block.label))
    if question:
        ctx.append(("question", question))
    path = block.heading_path
    if path:
        ctx.append(("h1", path[-1]))
    if len(path) > 1:
        ctx.append(("h2", path[-2]))
    if len(path) > 2:
        ctx.append(("h3", path[0]))
    return ctx


@lru_cache(maxsize=4096)  # a heading is the context of every sentence under it
def context_features(pos: str, text: str) -> frozenset[str]:
    """The heading hints (and, for the nearest context, the words) of a context text."""
    feats = {f"hint:{h.name}@{pos}" for h in compiled_rules().hints if h.pattern.search(text)}
    if pos in _WORD_CONTEXTS:
        feats.update(f"head_word:{w}" for w in content_words(text))
        feats.update(f"head_char:{p}" for p in char_pairs(text))
    return frozenset(feats)


@lru_cache(maxsize=2048)  # near-identical articles repeat whole sentences (8,192 sets of some 100 names
# each, with character pairs, held 45 MB more and were no faster: 1,000 generated articles, one process)
def text_features(text: str) -> frozenset[str]:
    """The features a sentence's own text gives: cues, not-a-claim rules, words, character pairs."""
    rules = compiled_rules()
    fired = [c for c in rules.cues if c.pattern.search(text)]
    feats = {f"cue:{c.name}" for c in fired}
    feats.update(f"not:{name}" for name, rx in rules.not_claims if rx.search(text))
    feats.update(f"word:{w}" for w in content_words(text))
    feats.update(f"char:{p}" for p in char_pairs(text))
    feats.update(cue_type_features([c.type for c in fired]))
    return frozenset(feats)


def cue_type_features(types: list[str]) -> set[str]:
    """How the cues that fire agree, from the type each is written for: `cues:TYPE_many`
    when two or more cues written for a type fire, `cues:TYPE_only` when every cue that
    fires is written for that one type (「可能导致…焦虑」 is risk twice over and nothing else)."""
    counts: dict[str, int] = {}
    for type_ in types:
        counts[type_] = counts.get(type_, 0) + 1
    out = {f"cues:{t}_many" for t, n in counts.items() if n >= 2}
    if len(counts) == 1:
        out.add(f"cues:{next(iter(counts))}_only")
    return out


def sentence_features(sentences: list[Sentence]) -> list[tuple[set[str], str | None, list[tuple[str, str]]]]:
    """For each sentence: its feature names, the question it answers, its context texts."""
    rules = compiled_rules()
    out = []
    question: str | None = None
    intro = False
    last_block = None
    for s in sentences:
        if s.block is not last_block:
            path = s.block.heading_path
            if s.block.kind == "comment" or (last_block is not None and path != last_block.heading_path):
                question, intro = None, intro and bool(s.block.marker)
            if path and _QUESTION_END.search(path[-1]):
                question = path[-1]
            first = True
            last_block = s.block
        else:
            first = False
        feats = set(text_features(s.text))
        ctx = context_texts(s, question)
        for pos, text in ctx:
            feats.update(context_features(pos, text))
        if s.block.marker:
            feats.add("struct:list_item")
        if s.block.label:
            feats.add("struct:labelled")
        if first:
            feats.add("struct:first_in_paragraph")
        if intro:
            feats.add("struct:after_list_intro")
        if s.section == "comment":
            feats.add("struct:comment")
        if len(s.text) < 14:
            feats.add("struct:short")
        if s.text.endswith((":", "：")):
            feats.add("struct:ends_with_colon")
        out.append((feats, question, ctx))
        if _LIST_INTRO.search(s.text):
            intro = True
        if _QUESTION_END.search(s.text):
            question = s.text
    return out
