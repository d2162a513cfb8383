"""The stance of a legality claim (legal, illegal, conditional, requirement), read by a
classifier fitted on the annotated legality claims (`kb train-claims`). Its features are
named rules of claim_rules.yml: every stance rule that matches (`stance_rule:NAME`), the
legality cues (`cue:NAME`), the frames the sentence is written in (`frame:NAME`: penalty,
deontic, conditional, negation …) and which stance rule would match first
(`first:NAME`). The hand-written rule order (`stance_rules`) is one feature among them,
and the only decision when a model has no stance part."""
from __future__ import annotations

import math
from functools import lru_cache

from .claims_rules import compiled_rules

STANCES = ("legal", "illegal", "conditional", "requirement")


def first_stance_rule(sentence: str) -> tuple[str, str]:
    """(stance, rule name) of the first stance rule that matches; `requirement` when none does."""
    for rule in compiled_rules().stances:
        if rule.pattern.search(sentence):
            return rule.stance, rule.name
    return "requirement", "requirement_default"


@lru_cache(maxsize=4096)
def stance_features(sentence: str) -> frozenset[str]:
    """The named features of a legality sentence that the stance classifier weighs."""
    rules = compiled_rules()
    feats = {f"stance_rule:{r.name}" for r in rules.stances if r.pattern.search(sentence)}
    feats.update(f"cue:{c.name}" for c in rules.cues if c.type == "legality" and c.pattern.search(sentence))
    feats.update(f"frame:{name}" for name, rx in rules.frames if rx.search(sentence))
    feats.add(f"first:{first_stance_rule(sentence)[1]}")
    return frozenset(feats)


class StanceModel:
    """A fitted multinomial logistic regression: {'classes', 'bias': {stance: b},
    'weights': {feature: {stance: w}}}. A claim records the feature that counted most for
    the stance chosen (`stance:frame:penalty`)."""

    def __init__(self, document: dict | None):
        self.document = document

    def predict(self, sentence: str) -> tuple[str, str]:
        if not self.document:
            stance, rule = first_stance_rule(sentence)
            return stance, rule
        feats = stance_features(sentence)
        weights = self.document["weights"]
        scores = {s: self.document["bias"][s] + math.fsum(weights[f].get(s, 0.0) for f in feats if f in weights)
                  for s in self.document["classes"]}
        stance = max(sorted(scores), key=scores.get)
        parts = sorted(((weights[f].get(stance, 0.0), f) for f in feats if f in weights), reverse=True)
        return stance, parts[0][1] if parts and parts[0][0] > 0 else "bias"
