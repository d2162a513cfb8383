"""Reading a sentence in context. A first reading types every claim candidate of an
article on its own features; the final reading weighs, beside those features, what the
first reading made of the sentences around it: the previous and the next candidate, the
others under the same heading, and the rest of the article. A sentence between two risks
under a 风险 heading is read as a risk more readily than the same words in a 流程 list.

The features are named `ctx:SCOPE_TYPE` (`ctx:prev_risk`, `ctx:section_procedure`),
their value the first reading's probability (for a section or the article, the mean over
its other candidates), and are weighed like every other feature in claim_weights.yml."""
from __future__ import annotations

from typing import Hashable, Sequence

import numpy as np

from .claims_rules import TYPES

SCOPES = ("prev", "next", "section", "article")


def context_names() -> list[str]:
    """Every context feature name, scope by scope."""
    return [f"ctx:{scope}_{t}" for scope in SCOPES for t in TYPES]


def context_features(sections: Sequence[Hashable], probs: np.ndarray) -> list[dict[str, float]]:
    """The context features of each claim candidate of one article, in article order:
    `sections[i]` is the heading (path) candidate i sits under, `probs[i]` the first
    reading's probability of each type (columns in TYPES order)."""
    n = len(sections)
    if n == 0:
        return []
    probs = np.asarray(probs, dtype=float).reshape(n, len(TYPES))
    members: dict[Hashable, list[int]] = {}
    for i, key in enumerate(sections):
        members.setdefault(key, []).append(i)
    total = probs.sum(axis=0)
    out = []
    for i, key in enumerate(sections):
        scopes = {}
        if i > 0:
            scopes["prev"] = probs[i - 1]
        if i + 1 < n:
            scopes["next"] = probs[i + 1]
        siblings = members[key]
        # an article's text before its first heading is no section of its own
        if key and len(siblings) > 1:
            scopes["section"] = (probs[siblings].sum(axis=0) - probs[i]) / (len(siblings) - 1)
        if n > 1:
            scopes["article"] = (total - probs[i]) / (n - 1)
        out.append({f"ctx:{scope}_{t}": round(float(p[j]), 4)
                    for scope, p in scopes.items() for j, t in enumerate(TYPES)})
    return out


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))
