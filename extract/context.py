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


def section_of(sentence) -> str:
    """The heading path a sentence sits under: the key of its `section` scope, the same in
    fitting (extract/train.py) and in reading (extract/claims.py)."""
    return " > ".join(sentence.block.heading_path)


def context_names() -> list[str]:
    """Every context feature name, scope by scope."""
    return [f"ctx:{scope}_{t}" for scope in SCOPES for t in TYPES]


def context_matrix(sections: Sequence[Hashable], probs: np.ndarray) -> np.ndarray:
    """The context features of each claim candidate of one article, in article order, as
    a matrix whose columns are context_names() (0 where a scope is missing: a first
    sentence has no previous one): `sections[i]` is the heading (path) candidate i sits
    under, `probs[i]` the first reading's probability of each type (TYPES order)."""
    n, k = len(sections), len(TYPES)
    out = np.zeros((n, len(SCOPES) * k))
    if n == 0:
        return out
    probs = np.asarray(probs, dtype=float).reshape(n, k)
    out[1:, 0:k] = probs[:-1]
    out[:-1, k:2 * k] = probs[1:]
    members: dict[Hashable, list[int]] = {}
    for i, key in enumerate(sections):
        members.setdefault(key, []).append(i)
    for key, rows in members.items():
        # an article's text before its first heading is no section of its own
        if key and len(rows) > 1:
            out[rows, 2 * k:3 * k] = (probs[rows].sum(axis=0) - probs[rows]) / (len(rows) - 1)
    if n > 1:
        out[:, 3 * k:] = (probs.sum(axis=0) - probs) / (n - 1)
    # rounded: the values a model was fitted on are the values it reads, to the bit
    return np.round(out, 4)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))
