"""Fitting the weight of each named claim feature from annotated articles.

Each sentence of an annotated article is labelled, per claim type, by whether a gold
claim of that type matches it (the scorer's rule: the overlap covers 40% of both spans).
A logistic regression per type (L2-regularised, plain numpy) gives every feature a
weight; the decision threshold is chosen on predictions for held-out articles
(cross-validation by article), which is also the figure to trust for unseen articles.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from .claims_rules import TYPES
from .document import build_document
from .features import sentence_features
from .formats import read_articles

MIN_COVER = 0.4
# L2 strength: of 1, 3, 8, 15 and 30, 15 gave the best F1 on held-out articles
# (`kb train-claims --held-out`: 0.586, 0.601, 0.611, 0.617, 0.585)
L2 = 15.0


@dataclass
class Example:
    article: str
    features: set[str]
    labels: set[str]
    question: bool


def span_cover(a: tuple[int, int], b: tuple[int, int]) -> float:
    """The overlap of two spans as a share of the longer one: a claim matches gold, as in
    eval/score.py, when it covers MIN_COVER of both."""
    ov = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return min(ov / max(1, a[1] - a[0]), ov / max(1, b[1] - b[0])) if ov else 0.0


def load_gold(paths: list[str]) -> dict[str, list[dict]]:
    gold = defaultdict(list)
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                gold[rec["article"]].append(rec)
    return gold


def examples(corpus: Path, gold: dict[str, list[dict]]) -> list[Example]:
    out = []
    for path in sorted(corpus.iterdir()):
        if path.suffix != ".txt":
            continue
        doc = build_document(next(read_articles(path)))
        spans = [(g["type"], doc.raw_text.find(g["evidence"])) for g in gold.get(path.name, [])]
        golds = [(t, (s, s + len(g["evidence"]))) for (t, s), g in zip(spans, gold.get(path.name, [])) if s >= 0]
        for s, (feats, _, _) in zip(doc.sentences, sentence_features(doc.sentences)):
            span = (s.raw_start, s.raw_end)
            labels = {t for t, g in golds if span_cover(g, span) >= MIN_COVER}
            out.append(Example(path.name, feats, labels, s.text.rstrip().endswith(("?", "？"))))
    return out


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1.0) -> tuple[np.ndarray, float]:
    """Weights and bias minimising the L2-regularised log loss (L-BFGS: thousands of
    word features make Newton's Hessian too large)."""
    Xb = np.hstack([X, np.ones((len(X), 1))])
    reg = np.full(Xb.shape[1], l2)
    reg[-1] = 1e-6

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = Xb @ w
        value = np.logaddexp(0, z).sum() - y @ z + 0.5 * (reg * w * w).sum()
        return value, Xb.T @ (1 / (1 + np.exp(-z)) - y) + reg * w

    w = minimize(loss, np.zeros(Xb.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 1000}).x
    return w[:-1], float(w[-1])


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float((y & pred).sum())
    return 2 * tp / max(1.0, float(y.sum() + pred.sum()))


def train(corpus: Path, gold_paths: list[str], folds: int = 5, l2: float = L2) -> tuple[dict, dict]:
    """(weights document for claim_weights.yml, cross-validated F1 per type and over all
    types, `all`) fitted on the annotated articles of `corpus`."""
    return fit_model(examples(corpus, load_gold(gold_paths)), folds, l2)


def fit_model(exs: list[Example], folds: int = 5, l2: float = L2) -> tuple[dict, dict]:
    """Weights fitted on the examples. Each type's threshold and the ratio a second type
    of one sentence needs (its probability over the top type's) are chosen on held-out
    predictions (cross-validation by article)."""
    exs = [e for e in exs if not e.question and not any(f.startswith("not:") for f in e.features)]
    names = sorted({f for e in exs for f in e.features})
    X = np.array([[f in e.features for f in names] for e in exs], dtype=float)
    Y = np.array([[t in e.labels for t in TYPES] for e in exs])
    articles = sorted({e.article for e in exs})
    fold_of = {a: i % folds for i, a in enumerate(articles)}
    fold = np.array([fold_of[e.article] for e in exs])
    held_out = np.zeros(Y.shape)
    for j in range(len(TYPES)):
        for k in range(folds):
            w, b = fit_logistic(X[fold != k], Y[fold != k, j].astype(float), l2)
            held_out[fold == k, j] = 1 / (1 + np.exp(-(X[fold == k] @ w + b)))
    grid = np.arange(0.1, 0.71, 0.025)
    thresholds = np.array([grid[int(np.argmax([_f1(Y[:, j], held_out[:, j] >= t) for t in grid]))]
                           for j in range(len(TYPES))])
    ratio = _second_type_ratio(held_out, thresholds, Y)
    predicted = _predict(held_out, thresholds, ratio)
    model: dict = {"second_type_min_ratio": ratio}
    report = {}
    for j, type_ in enumerate(TYPES):
        w, b = fit_logistic(X, Y[:, j].astype(float), l2)
        model[type_] = {"bias": round(b, 4), "threshold": round(float(thresholds[j]), 3),
                        "weights": {n: round(float(v), 4) for n, v in zip(names, w) if abs(v) >= 0.02}}
        report[type_] = {"cv_f1": round(_f1(Y[:, j], predicted[:, j]), 3), "positives": int(Y[:, j].sum())}
    report["all"] = {"cv_f1": round(_f1(Y.ravel(), predicted.ravel()), 3), "positives": int(Y.sum())}
    return model, report


def _predict(p: np.ndarray, thresholds: np.ndarray, ratio: float) -> np.ndarray:
    """Types over their threshold, a sentence's second type only within `ratio` of its top."""
    return (p >= thresholds) & (p >= ratio * p.max(axis=1, keepdims=True))


def _second_type_ratio(p: np.ndarray, thresholds: np.ndarray, Y: np.ndarray) -> float:
    """Most sentences carry one type: the ratio that gives the best held-out F1."""
    grid = [round(r, 2) for r in np.arange(0.0, 1.01, 0.05)]
    return max(grid, key=lambda r: (_f1(Y.ravel(), _predict(p, thresholds, r).ravel()), -r))


def write_weights(model: dict, report: dict, path: Path) -> None:
    header = ("# Weights of the named claim features (extract/data/claim_rules.yml and structure),\n"
              "# fitted on the annotated corpus by `kb train-claims`; do not edit by hand.\n"
              f"# cross-validated by article: {json.dumps(report, ensure_ascii=False)}\n"
              "# Written as JSON (which is YAML too): it loads in milliseconds, not 0.1 s.\n")
    body = json.dumps(model, ensure_ascii=False, sort_keys=True, indent=1)
    path.write_text(header + body + "\n", encoding="utf-8")
