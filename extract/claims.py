"""Sentences to claims. Each sentence gets named features (cue rules, heading hints,
structure: extract/features.py); a weight per feature and type (extract/data/
claim_weights.yml, fitted on the annotated corpus by `kb train-claims`) decides which
types it carries. A claim records the rule that contributed most."""
from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .claims_rules import TYPES, compiled_rules, weights
from .context import context_matrix, context_names, section_of, sigmoid
from .features import LEARNED_PREFIXES, sentence_features
from .rules import load_data
from .stance import StanceModel
from .structure import Sentence, marker_number

_NEGATION = re.compile(r"(不|没有|并非|并不|无|未)$")
_QUESTION = re.compile(r"[?？]\s*[”\"]?$|吗\s*[?？]?$")


def is_question(text: str) -> bool:
    """A question is never a claim (the answer after it is)."""
    return bool(_QUESTION.search(text))


@dataclass
class Claim:
    type: str
    sentence: Sentence
    rule: str
    confidence: float | None  # None: not estimated (a language model's claim)
    stance: str | None = None
    subject: str | None = None
    object: str | None = None
    modality: str = "is"
    negated: bool = False
    process: str | None = None
    step: int | None = None
    rules: list[str] = field(default_factory=list)  # every feature that contributed
    stages: list[str] = field(default_factory=list)  # a process's steps enumerated inline
    # what made the claim: offline:<model version> or llm:<model>@<prompt version>
    extractor: str = ""
    # the quoted clause, as offsets in the sentence's text; None: the whole sentence
    span: tuple[int, int] | None = None

    @property
    def section(self) -> str:
        return self.sentence.section

    @property
    def text(self) -> str:
        return self.sentence.text[self.span[0]:self.span[1]] if self.span else self.sentence.text


@lru_cache(maxsize=1)
def _subjects() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((canon, tuple(aliases)) for canon, aliases in load_data("subjects.yml").items()
                 if not canon.startswith("_"))


@lru_cache(maxsize=1)
def _harms() -> frozenset[str]:
    return frozenset(load_data("subjects.yml").get("_harms", ()))


def normalise_subject(*texts: str | None, harms: bool = True) -> str | None:
    """Canonical subject named in the first text that names one; with harms=False a
    harm (数据泄露) named in a text does not count."""
    for text in texts:
        if text:
            found = _subject_named_in(text, harms)
            if found:
                return found
    return None


@lru_cache(maxsize=4096)  # headings, labels and questions recur for every sentence under them
def _subject_named_in(text: str, harms: bool = True) -> str | None:
    for canon, aliases in _subjects():
        if (harms or canon not in _harms()) and any(a in text for a in aliases):
            return canon
    return None


_CONTEXT_TRIM = re.compile(r"^(什么是|怎样|如何|怎么样|怎么)|((是不是|是否)(合法|违法|正规|靠谱)?|吗|呢|有哪些|是什么|怎么办|怎么样|[?？])+$")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


def context_subject(text: str | None) -> str | None:
    """A heading or question as a subject: 「微粒贷的流程是不是合法?」 → 微粒贷的流程.
    A fragment (a numbering, a single character, no two Chinese characters in a row) is none."""
    if not text:
        return None
    for _ in range(2):
        text = _CONTEXT_TRIM.sub("", text.strip()).strip()
    text = text[:20]
    return text if _HAN_RUN.search(text) else None


def subject_of(type_: str, label: str, text: str, contexts: list[str]) -> str | None:
    """What a claim is about: the subject its inline label names, else the activity its
    sentence names (for a legality or procedure claim, not a harm inside the sentence),
    else what its question or heading names, else the heading itself."""
    own_harms = type_ in ("risk", "mitigation")
    return (normalise_subject(label) or normalise_subject(text, harms=own_harms)
            or normalise_subject(*contexts) or context_subject(contexts[0] if contexts else None))


_NOT_RULES = ("cues:", "ctx:")  # features that say how others agree, or what the context reads


class Typing(NamedTuple):
    """A type a sentence's features give it: probability, the rule that counted most
    (`_deciding_rule`) and every feature that counted for it."""
    type: str
    probability: float
    rule: str
    rules: tuple[str, ...]


class Indicators(NamedTuple):
    """An article's feature sets as rows of feature-index columns (CSR layout without its
    data, every entry a 1): row k holds indices[indptr[k]:indptr[k + 1]], sorted."""
    indices: np.ndarray
    indptr: np.ndarray

    def summed(self, matrix: np.ndarray) -> np.ndarray:
        """Per row, the sum of `matrix`'s rows at its columns, added in column order (the
        sparse product's order, to the bit); numpy alone, without importing scipy
        (a seventh of a second at every command's start)."""
        out = np.zeros((len(self.indptr) - 1, matrix.shape[1]))
        starts = self.indptr[:-1]
        held = np.flatnonzero(np.diff(self.indptr))  # reduceat would give an empty row a neighbour's row
        if len(held):
            out[held] = np.add.reduceat(matrix[self.indices], starts[held], axis=0)
        return out


class _FeatureIndex:
    """The feature names both readings weigh, sorted, a row each: an article's feature
    sets become one indicator matrix, looked up once for both readings."""

    def __init__(self, *documents: dict):
        self.names = sorted(set().union(*(d[t]["weights"] for d in documents for t in TYPES)))
        self.row = {name: i for i, name in enumerate(self.names)}

    def indicators(self, feature_sets: list[frozenset[str]]) -> Indicators:
        """A row per feature set, the column of each feature it holds, columns in sorted
        order: a row sums a set's weights in the same order whatever order the set
        iterates in."""
        get = self.row.get  # one lookup a feature, in C
        rows = [sorted([i for i in map(get, feats) if i is not None]) for feats in feature_sets]
        indptr = np.cumsum([0] + [len(r) for r in rows])
        indices = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.intp, count=int(indptr[-1]))
        return Indicators(indices, indptr)


class _WeightMatrix:
    """A weight table of claim_weights.yml as a matrix over a _FeatureIndex (a row per
    feature, a column per type): an article's sentences are scored at once, not a Python
    sum each."""

    def __init__(self, document: dict, index: _FeatureIndex):
        self.biases = np.array([document[t]["bias"] for t in TYPES])
        self.matrix = np.zeros((len(index.names), len(TYPES)))
        for j, t in enumerate(TYPES):  # a column at a time: the model has some 90,000 weights
            weights = document[t]["weights"]
            self.matrix[[index.row[name] for name in weights], j] = list(weights.values())

    def scores(self, indicators: Indicators) -> np.ndarray:
        """bias + the summed weights of each row's features, shape (rows, types)."""
        return indicators.summed(self.matrix) + self.biases


class ClaimModel:
    """Fitted weights (the claim_weights.yml document): each feature's weight for every
    type, each type's bias and threshold, the share of its top type a second type needs,
    and the first reading (`first_reading`: raw weights per type) whose probabilities give
    the context features (extract/context.py); a document without one reads no context."""

    def __init__(self, document: dict):
        self.thresholds = np.array([document[t]["threshold"] for t in TYPES])
        self.second_type_min_ratio = document.get("second_type_min_ratio", 0.0)
        self.stance = StanceModel(document.get("stance"))
        # the version a claim records (Claim.extractor): the model's own, else its content
        self.version = document.get("version") or _content_hash(document)
        first = document.get("first_reading")
        self.index = _FeatureIndex(document, *([first] if first else []))
        self.final = _WeightMatrix(document, self.index)
        self.first = _WeightMatrix(first, self.index) if first else None
        # the context features' weights, in context_names() order (zero where none was kept)
        self.context_names = context_names()
        self.context_weights = np.array([self.final.matrix[i] if (i := self.index.row.get(n)) is not None
                                         else np.zeros(len(TYPES)) for n in self.context_names])
        # per index row: a named rule (neither learned word nor agreement nor context), and
        # the sentence's own (not agreement nor context), the two tiers of _deciding_rule
        self._is_rule = np.array([not n.startswith(LEARNED_PREFIXES + _NOT_RULES) for n in self.index.names], dtype=bool)
        self._is_own = np.array([not n.startswith(_NOT_RULES) for n in self.index.names], dtype=bool)

    def first_reading(self, feature_sets: list[frozenset[str]]) -> np.ndarray | None:
        """The first reading's probability of each type (TYPES order) of each feature set;
        None without a first reading."""
        if self.first is None or not feature_sets:
            return None
        return sigmoid(self.first.scores(self.index.indicators(feature_sets)))

    def read(self, feature_sets: list[frozenset[str]], sections: list[str]) -> list[tuple[Typing, ...]]:
        """The types of each claim candidate of one article (its features, and the heading
        it sits under), in article order, each type's probability read in context."""
        if not feature_sets:
            return []
        x = self.index.indicators(feature_sets)
        z = self.final.scores(x)
        if self.first is None:
            context = np.zeros((len(z), 0))
        else:
            context = context_matrix(sections, sigmoid(self.first.scores(x)))
            z = z + context @ self.context_weights
        probs = sigmoid(z)
        carried = (probs >= self.thresholds) & (probs >= self.second_type_min_ratio * probs.max(axis=1, keepdims=True))
        return [self._typings(x.indices[x.indptr[k]:x.indptr[k + 1]], probs[k], carried[k], context[k])
                if carried[k].any() else () for k in range(len(feature_sets))]

    def _typings(self, rows: np.ndarray, probs: np.ndarray, carried: np.ndarray,
                 context: np.ndarray) -> tuple[Typing, ...]:
        """Each carried type with the features that counted for it: a sentence's own (its
        `rows` of the index) and its context's. Only the features with a weight for the
        type become names (a sentence holds some hundred features, a few dozen count)."""
        weights = self.final.matrix[rows]
        held = np.flatnonzero(context)  # the context features this sentence has
        context_weights = context[held, None] * self.context_weights[held]
        out = []
        for i in np.flatnonzero(carried).tolist():
            own, near = weights[:, i], context_weights[:, i]
            positive = (_weighted_names(self.index.names, rows, own, own > 0)
                        + _weighted_names(self.context_names, held, near, near > 0))
            out.append(Typing(TYPES[i], float(probs[i]), self._deciding_rule(rows, own, held, near),
                              tuple(sorted(f for _, f in positive))))
        return tuple(out)

    def _deciding_rule(self, rows: np.ndarray, own: np.ndarray, held: np.ndarray, near: np.ndarray) -> str:
        """The named rule (cue, heading hint, structure) that counted most for a type, else
        the word or character pair that did: `cue:risk_word` → risk_word, `word:风险` →
        word:风险, `char:违法` → char:违法. That the cues agree (`cues:risk_only`) is no rule
        of its own, nor is its context (`ctx:prev_risk`): a cue, hint, word or character
        pair of the sentence is named instead; the heaviest of all only when the sentence
        has no other."""
        parts = (_weighted_names(self.index.names, rows, own, (own > 0) & self._is_rule[rows])
                 or _weighted_names(self.index.names, rows, own, (own != 0) & self._is_own[rows])
                 or (_weighted_names(self.index.names, rows, own, own != 0)
                     + _weighted_names(self.context_names, held, near, near != 0)))
        weight, feature = max(parts, default=(0.0, "bias"))
        return feature if feature.startswith(LEARNED_PREFIXES) else feature.split(":", 1)[-1].split("@")[0]


def _weighted_names(names: list[str], positions: np.ndarray, weights: np.ndarray,
                    mask: np.ndarray) -> list[tuple[float, str]]:
    """(weight, name) where `mask` holds: `positions` index `names`, `weights` run beside them."""
    return list(zip(weights[mask].tolist(), [names[k] for k in positions[mask].tolist()]))


def _content_hash(document: dict) -> str:
    text = json.dumps(document, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@lru_cache(maxsize=1)
def fitted_model() -> ClaimModel:
    """The model of extract/data/claim_weights.yml."""
    return ClaimModel(weights())


def stance_of(sentence: str, model: ClaimModel | None = None) -> tuple[str, str]:
    """(stance, the feature that counted most) of a legality claim, by the fitted stance
    classifier of `model` (default: the shipped model)."""
    return (model or fitted_model()).stance.predict(sentence)


class _CueLookup(NamedTuple):
    modalities: tuple[tuple[str, str], ...]  # (cue feature, modality) of the cues that carry one
    legality_patterns: dict[str, re.Pattern]  # cue feature → pattern, legality cues
    not_claim_features: frozenset[str]


@lru_cache(maxsize=1)
def _cue_lookup() -> _CueLookup:
    rules = compiled_rules()
    return _CueLookup(tuple((f"cue:{c.name}", c.modality) for c in rules.cues if c.modality),
                      {f"cue:{c.name}": c.pattern for c in rules.cues if c.type == "legality"},
                      frozenset(f"not:{name}" for name, _ in rules.not_claims))


def _modality(features: set[str]) -> str:
    mods = {m for f, m in _cue_lookup().modalities if f in features}
    return next((m for m in ("must_not", "must", "may") if m in mods), "is")


def _negated(text: str, features: set[str]) -> bool:
    """A legality cue that fired on the sentence is preceded by a negation."""
    for feature, pattern in _cue_lookup().legality_patterns.items():
        if feature in features:
            m = pattern.search(text)
            if m and _NEGATION.search(text[max(0, m.start() - 2):m.start()]):
                return True
    return False


# 「…的流程分为五个阶段,包含预催、正式催、高强度催、法律诉讼和司法强制执行五个阶段」
_INLINE_STAGES = re.compile(
    r"(?P<process>[^,，。:：]{2,16}?)(分为|包括|包含|涵盖|有)[^,，。:：]{0,6}(阶段|步骤|环节|流程)"
    r"[,，:：]?\s*(包含|包括|即|分别是|依次为|为)?[:：]?\s*(?P<items>[^。;；]+)")
_ITEM_SPLIT = re.compile(r"、|和|及|以及|与|,|，")


def inline_stages(text: str) -> tuple[str | None, list[str]]:
    """(process, stage names) when a sentence enumerates a process's stages inline."""
    m = _INLINE_STAGES.search(text)
    if not m:
        return None, []
    items = re.sub(r"[一二三四五六七八九十\d]+个(阶段|步骤|环节)$|等$", "", m.group("items").strip())
    names = [i.strip() for i in _ITEM_SPLIT.split(items) if 1 < len(i.strip()) <= 12]
    return (m.group("process").strip(), names) if len(names) >= 2 else (None, [])


_PROCESS_INTRO = re.compile(r"([^,，。:：]{2,16}?(流程|步骤|阶段|过程|程序|环节))[^,，。]{0,16}[:：]$")


def procedure_step(sentence: Sentence, intro: str | None) -> tuple[str | None, int | None]:
    """(process, step number) of a sentence inside an enumerated process: a numbered
    list item (named by the sentence that introduced the list, else its heading), or
    the text under a numbered sub-heading."""
    block = sentence.block
    path, markers = block.heading_path, block.heading_markers
    if block.marker and (intro or path):
        return intro or context_subject(path[-1]), marker_number(block.marker)
    if len(path) >= 2 and markers and markers[-1]:
        return context_subject(path[-2]), marker_number(markers[-1])
    return None, None


def offline_extractor(model: "ClaimModel | None" = None) -> str:
    """The name the offline extractor's claims record: offline:<model version>."""
    return f"offline:{(model or fitted_model()).version}"


class _Candidate(NamedTuple):
    """A sentence that may carry claims, with what its reading needs."""
    sentence: Sentence
    features: frozenset[str]
    contexts: list[str]  # its context texts, nearest first
    intro: str | None  # the process named before the list it is an item of


def claim_candidates(sentences: list[Sentence]) -> list[_Candidate]:
    """The sentences of an article that may carry claims: questions, definitions and
    announcements never do."""
    out: list[_Candidate] = []
    intro: tuple[str, tuple[str, ...]] | None = None  # a process named before its list
    previous_block = None
    for s, (feats, question, ctx) in zip(sentences, sentence_features(sentences)):
        # the pattern ends in a colon: most sentences need no search (7 µs each)
        m = _PROCESS_INTRO.search(s.text) if s.text.rstrip("\n").endswith((":", "：")) else None
        if m:
            intro = (m.group(1), s.block.heading_path)
        elif intro and not s.block.marker and s.block is not previous_block:
            intro = None  # the list it introduced has ended
        previous_block = s.block
        if is_question(s.text) or not feats.isdisjoint(_cue_lookup().not_claim_features):
            continue
        intro_name = intro[0] if intro and intro[1] == s.block.heading_path else None
        out.append(_Candidate(s, frozenset(feats), [t for _, t in ctx], intro_name))
    return out


def extract_claims(sentences: list[Sentence], model: ClaimModel | None = None) -> list[Claim]:
    """Claims of every type each sentence carries, read in the context of the article's
    other sentences; questions are never claims. `model` defaults to the fitted weights
    of claim_weights.yml."""
    model = model or fitted_model()
    extractor = offline_extractor(model)
    claims: list[Claim] = []
    candidates = claim_candidates(sentences)
    readings = model.read([c.features for c in candidates], [section_of(c.sentence) for c in candidates])
    for (s, feats, texts, intro), typings in zip(candidates, readings):
        if not typings:
            continue
        # what the sentence gives every claim it carries
        modality, negated = _modality(feats), _negated(s.text, feats)
        for type_, p, rule, rules in typings:
            subject = subject_of(type_, s.block.label, s.text, texts)
            claim = Claim(type_, s, rule, round(p, 2), subject=subject, modality=modality, negated=negated,
                          rules=list(rules), extractor=extractor)
            if type_ == "legality":
                claim.stance, stance_rule = model.stance.predict(s.text)
                claim.rules.append(f"stance:{stance_rule}")
            if type_ == "procedure":
                claim.process, claim.step = procedure_step(s, intro)
                process, stages = inline_stages(s.text)
                if stages:
                    claim.process, claim.stages = process, stages
            claims.append(claim)
    return claims


_HARMED = re.compile(r"(对|给|危害|损害|影响|侵犯|威胁|骚扰|让|使)$")


def assign_objects(claims: list[Claim], mentions: dict[int, list]) -> None:
    """Who a claim concerns, from the sentence's role and organisation mentions: the party
    harmed by a risk (named after 对/给/危害 …), the party that must act on a mitigation
    or obey a requirement (named first)."""
    for claim in claims:
        found = [m for m in mentions.get(claim.sentence.idx, []) if m.kind in ("role", "organisation")]
        if not found:
            continue
        if claim.type == "risk":
            text = claim.text
            harmed = [m for m in found if _HARMED.search(text[max(0, m.start - 3):m.start])]
            claim.object = (harmed or found[-1:])[0].entity
        elif claim.type in ("mitigation", "legality"):
            claim.object = found[0].entity
