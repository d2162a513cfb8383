"""How well the claim model does on articles it has not seen, measured the way
eval/score.py measures a knowledge base: the weights are fitted on all annotated articles
but one fold, the held-out articles' claims are extracted with them, and each gold claim
is matched to an unused predicted claim of its type covering 40 % of both spans."""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from .claims import ClaimModel, extract_claims
from .document import build_document
from .formats import read_articles
from .scoring import Predicted, report, score_article
from .train import Annotated, fit_model, read_annotated


def deal_to_folds(articles: list[str], folds: int, order: int = 0) -> dict[str, int]:
    """The fold of each article: dealt round-robin in name order (order 0, the figure
    `kb train-claims --held-out` prints), or in the `order`-th seeded shuffle of the names.
    With a few dozen articles a held-out figure moves by about 0.01 when a dozen sentences
    change: other orders show how much of a difference is the deal of the folds."""
    names = sorted(articles)
    if order:
        random.Random(order).shuffle(names)
    return {a: i % folds for i, a in enumerate(names)}


def held_out_scores(corpus: Path, gold_paths: list[str], folds: int = 5, progress=None,
                    silver: list[tuple[str, str, list[dict]]] | None = None, order: int = 0,
                    mistakes: list | None = None, jobs: int = 1, annotated: Annotated | None = None) -> dict:
    """{'by_type': {type: {tp, fp, fn, p, r, f1}}, 'micro': {...}, 'stance_accuracy': x}.
    `silver` articles (name, text, a language model's claims) are fitted on in every fold,
    never scored; `order`: how the articles are dealt to folds (deal_to_folds). With
    `mistakes`, every miss, false claim and wrong stance on a held-out article is appended
    to it (extract.scoring.Mistake): the errors the next unseen article will show. `jobs`:
    processes each fit uses (extract.train.fit_model); `annotated`: read_annotated of the
    same data, if read already (once for every deal and the final fit)."""
    data = annotated or read_annotated(corpus, gold_paths, silver)
    gold, exs, extra = data.gold, data.examples, data.silver
    articles = sorted({e.article for e in exs})
    fold_of = deal_to_folds(articles, folds, order)
    counts: Counter = Counter()
    for k in range(folds):
        model, _ = fit_model([e for e in exs if fold_of[e.article] != k] + extra, folds, jobs=jobs)
        if progress:
            progress()
        fitted = ClaimModel(model)
        for name in (a for a in articles if fold_of[a] == k):
            counts.update(_article_counts(corpus / name, gold.get(name, []), fitted, mistakes))
    return report(counts, len(articles))


def _article_counts(path: Path, golds: list[dict], model: ClaimModel, mistakes: list | None = None) -> Counter:
    doc = build_document(next(read_articles(path)))
    preds = [Predicted(c.type, c.stance, c.section, c.sentence.raw_start, c.sentence.raw_end)
             for c in extract_claims(doc.sentences, model)]
    return score_article(path.name, doc.raw_text, golds, preds, mistakes)
