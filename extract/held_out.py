"""How well the claim model does on articles it has not seen, measured the way
eval/score.py measures a knowledge base: the weights are fitted on all annotated articles
but one fold, the held-out articles' claims are extracted with them, and each gold claim
is matched to an unused predicted claim of its type covering 40 % of both spans."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from .claims import ClaimModel, extract_claims
from .claims_rules import TYPES
from .document import build_document
from .formats import read_articles
from .train import MIN_COVER, span_cover, examples, fit_model, load_gold


def held_out_scores(corpus: Path, gold_paths: list[str], folds: int = 5, progress=None) -> dict:
    """{'by_type': {type: {tp, fp, fn, p, r, f1}}, 'micro': {...}, 'stance_accuracy': x}."""
    gold = load_gold(gold_paths)
    exs = examples(corpus, gold)
    articles = sorted({e.article for e in exs})
    fold_of = {a: i % folds for i, a in enumerate(articles)}
    counts: Counter = Counter()
    for k in range(folds):
        model, _ = fit_model([e for e in exs if fold_of[e.article] != k], folds)
        if progress:
            progress()
        for name in (a for a in articles if fold_of[a] == k):
            counts.update(_article_counts(corpus / name, gold.get(name, []), ClaimModel(model)))
    return _report(counts)


def _article_counts(path: Path, golds: list[dict], model: ClaimModel) -> Counter:
    doc = build_document(next(read_articles(path)))
    claims = extract_claims(doc.sentences, model)
    counts: Counter = Counter()
    for type_ in TYPES:
        preds = [c for c in claims if c.type == type_]
        used: set[int] = set()
        for g in (g for g in golds if g["type"] == type_):
            start = doc.raw_text.find(g["evidence"])
            span = (start, start + len(g["evidence"]))
            scored = [(span_cover(span, (c.sentence.raw_start, c.sentence.raw_end)), i)
                      for i, c in enumerate(preds) if i not in used] if start >= 0 else []
            quality, best = max(scored, default=(0.0, None))
            if quality < MIN_COVER:
                counts[type_, "fn"] += 1
                continue
            used.add(best)
            counts[type_, "tp"] += 1
            if type_ == "legality" and g.get("stance"):
                counts["stance", "n"] += 1
                counts["stance", "ok"] += preds[best].stance == g["stance"]
        counts[type_, "fp"] += len(preds) - len(used)
    return counts


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def _report(counts: Counter) -> dict:
    by_type = {t: _prf(counts[t, "tp"], counts[t, "fp"], counts[t, "fn"]) for t in TYPES}
    micro = _prf(*(sum(counts[t, k] for t in TYPES) for k in ("tp", "fp", "fn")))
    n = counts["stance", "n"]
    return {"by_type": by_type, "micro": micro, "stance_accuracy": counts["stance", "ok"] / n if n else None}
