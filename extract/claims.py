"""Sentences to claims: named cue rules score each sentence for the four claim types;
headings, inline labels and FAQ questions add type hints and give the subject."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .rules import load_data
from .structure import Block, Sentence

RULES = "claim_rules.yml"
TYPES = ("legality", "procedure", "risk", "mitigation")
_NEGATION = re.compile(r"(不|没有|并非|并不|无|未)$")


@dataclass
class Claim:
    type: str
    sentence: Sentence
    rule: str
    confidence: float
    stance: str | None = None
    subject: str | None = None
    object: str | None = None
    modality: str = "is"
    negated: bool = False
    process: str | None = None
    step: int | None = None
    rules: list[str] = field(default_factory=list)  # every rule that contributed

    @property
    def section(self) -> str:
        return self.sentence.section

    @property
    def text(self) -> str:
        return self.sentence.text


@dataclass(frozen=True)
class Cue:
    name: str
    type: str
    weight: float
    pattern: re.Pattern
    stance: str | None = None
    modality: str | None = None


@lru_cache(maxsize=1)
def _compiled() -> tuple[float, tuple[Cue, ...], tuple[Cue, ...], tuple[tuple[str, re.Pattern], ...]]:
    data = load_data(RULES)

    def cues(group: str) -> tuple[Cue, ...]:
        return tuple(Cue(name, s["type"], float(s["weight"]), re.compile(s["pattern"]),
                         s.get("stance"), s.get("modality")) for name, s in data[group].items())

    not_claims = tuple((name, re.compile(rx)) for name, rx in data["not_claims"].items())
    return float(data["threshold"]), cues("cues"), cues("heading_hints"), not_claims


@lru_cache(maxsize=1)
def _subjects() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((canon, tuple(aliases)) for canon, aliases in load_data("subjects.yml").items())


def normalise_subject(*texts: str) -> str | None:
    """Canonical subject named in the first text that names one."""
    for text in texts:
        if not text:
            continue
        for canon, aliases in _subjects():
            if any(a in text for a in aliases):
                return canon
    return None


_CONTEXT_TRIM = re.compile(r"^(什么是|怎样|如何|怎么样|怎么)|(是不是|是否|吗|呢|有哪些|是什么|怎么办|怎么样|[?？])+$")


def context_subject(heading: str | None) -> str | None:
    """A heading or question as a subject: 「微粒贷的流程是不是合法?」 → 微粒贷的流程."""
    if not heading:
        return None
    text = _CONTEXT_TRIM.sub("", heading.strip()).strip()
    text = _CONTEXT_TRIM.sub("", text).strip()
    return text[:20] or None


def sentence_context(sentence: Sentence, question: str | None) -> list[str]:
    """Texts that give the sentence its type hints, nearest first."""
    block: Block = sentence.block
    ctx = [block.label] if block.label else []
    if question:
        ctx.append(question)
    ctx.extend(reversed(block.heading_path[-2:]))
    return ctx


def score_sentence(text: str, context: list[str]) -> dict[str, list[tuple[float, Cue]]]:
    _, cues, hints, _ = _compiled()
    hits: dict[str, list[tuple[float, Cue]]] = {t: [] for t in TYPES}
    for cue in cues:
        m = cue.pattern.search(text)
        if m:
            hits[cue.type].append((cue.weight, cue))
    for i, ctx in enumerate(context):
        for hint in hints:
            if hint.pattern.search(ctx) and not any(c is hint for _, c in hits[hint.type]):
                # nearer context counts more
                hits[hint.type].append((hint.weight * (1.0 if i == 0 else 0.75), hint))
    return hits


def _stance(cues: list[Cue], text: str) -> str:
    names = {c.name for c in cues}
    if "conditional_word" in names:
        return "conditional"
    if re.search(r"(是|属于|属|就是|构成|视为|算)(违法|不合法|非法|犯罪|.{0,8}罪)|违法的|不合法的|私闯民宅|刑事责任|有期徒刑|罚金|拘役|涉嫌", text):
        return "illegal"
    if "legal_word" in names and "requirement_forbid" not in names:
        return "legal"
    if names & {"requirement_forbid", "requirement_comply", "requirement_law", "requirement_must"}:
        return "requirement"
    return "illegal" if names & {"illegal_word", "illegal_crime"} else "legal"


def _modality(cues: list[Cue]) -> str:
    mods = {c.modality for c in cues if c.modality}
    for m in ("must_not", "must", "may"):
        if m in mods:
            return m
    return "is"


def _negated(cues: list[Cue], text: str) -> bool:
    for c in cues:
        m = c.pattern.search(text)
        if m and _NEGATION.search(text[max(0, m.start() - 2):m.start()]):
            return True
    return False


def extract_claims(sentences: list[Sentence]) -> list[Claim]:
    """Claims of every type each sentence carries."""
    threshold, _, _, not_claims = _compiled()
    claims: list[Claim] = []
    question: str | None = None
    last_block = None
    for s in sentences:
        if s.block is not last_block:
            question = s.block.heading_path[-1] if s.block.heading_path and s.block.heading_path[-1].endswith(("?", "？")) else None
            last_block = s.block
        if any(rx.search(s.text) for _, rx in not_claims):
            if re.search(r"[?？吗]\s*$", s.text):
                question = s.text  # an inline question gives the answer after it its subject
            continue
        context = sentence_context(s, question)
        for type_, hits in score_sentence(s.text, context).items():
            score = sum(w for w, _ in hits)
            if score < threshold:
                continue
            cues = [c for _, c in hits]
            best = max(hits, key=lambda h: h[0])[1]
            claim = Claim(type_, s, best.name, round(min(1.0, score / (2 * threshold)), 2),
                          rules=[c.name for c in cues])
            if type_ == "legality":
                claim.stance = _stance(cues, s.text)
            claim.modality = _modality(cues)
            claim.negated = _negated(cues, s.text)
            claim.subject = normalise_subject(s.block.label, s.text, *context) or context_subject(context[0] if context else None)
            claims.append(claim)
    return claims
