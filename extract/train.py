"""Fitting the claim model on annotated articles (scikit-learn).

Each sentence of an annotated article is labelled, per claim type, by whether a gold
claim of that type matches it (the scorer's rule: the overlap covers 40% of both spans).
Types: a logistic regression per type (class-weighted, L2) over the named features and
words of extract/features.py; each type's threshold, and the share of its top type a
second type needs, are chosen on predictions for held-out articles (GroupKFold by
article), which is also the figure to trust for unseen articles. The probabilities are
calibrated on those held-out predictions (Platt scaling, folded into the weights, so the
model stays one table of feature weights). Stance: a multinomial logistic regression on
the annotated legality claims over the named stance features (extract/stance.py).
"""
from __future__ import annotations

import hashlib
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from functools import partial
from multiprocessing import get_all_start_methods, get_context
from typing import Callable

import numpy as np
from scipy import sparse
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from .claims import is_question
from .claims_rules import TYPES
from .context import context_matrix, context_names, section_of, sigmoid
from .document import build_document
from .features import sentence_features
from .formats import Article, read_articles
from .scoring import MIN_COVER, span_cover
from .stance import stance_features

# inverse L2 strength of the type models: of 0.3, 1 and 3, 1 gave the best F1 on held-out
# articles (per annotated sentence, 85 articles: 0.614, 0.615, 0.609); with character pairs,
# claims of held-out articles over 5 deals: 0.668 ± 0.004 at 0.5, 0.666 ± 0.003 at 1, 0.667 ± 0.004 at 2
C_TYPES = 1.0
# … of the final reading (in context) alone: 0.3 against C_TYPES' 1, claims of held-out articles,
# micro F1 5/10 folds with silver, 5/10 gold only: 0.662/0.667/0.652/0.645 against 0.655/0.653/0.643/0.635
# (3: 0.642/0.635/0.649/0.638)
C_FINAL = 0.3
# of the stance model, with the frames up to statute_scale … act_violates and silver stances at
# STANCE_SILVER_WEIGHT: of 0.3, 0.5, 0.7 and 1, 0.7 read the most held-out stances right over 5 and
# 10 folds, with and without silver (per sentence 0.850/0.856/0.818/0.818; 0.5: 0.850/0.861/0.813/0.802;
# 1: 0.845/0.850/0.813/0.818; 0.3: 0.850/0.829/0.791/0.781)
C_STANCE = 0.7
MODEL_FORMAT = 3  # 3: a first reading and the final reading in context (extract/context.py)
# folds by article of the first reading whose held-out scores give the context a model learns from
INNER_FOLDS = 5
# weights smaller than this are left out of the model file (held-out micro F1 0.619 at 0.02, 0.616 at 0.05; the file a third smaller).
# With character pairs, over 5 deals: 0.669 ± 0.004 at 0.02, 0.666 ± 0.003 at 0.05, 0.653 at 0.1, 0.623 at 0.2 (1.7 MB at 0.05)
WEIGHT_MIN = 0.05
# how much a silver sentence (labelled by a language model, not an annotator) counts in fitting
SILVER_WEIGHT = 0.5
# … and in fitting the stance model: the language model reads 「如果…就可能构成…罪」 as conditional
# where the annotators read illegal, and more often calls a sentence legal or conditional
STANCE_SILVER_WEIGHT = 0.25


@dataclass
class Example:
    article: str
    features: set[str]
    labels: set[str]
    question: bool
    text: str = ""
    stance: str | None = None  # of the gold legality claim the sentence matches
    silver: bool = False  # labelled by a language model's claims, not by an annotator: fitted on, never scored
    section: str = ""  # the heading path the sentence sits under (its context: extract/context.py)


def load_gold(paths: list[str]) -> dict[str, list[dict]]:
    gold = defaultdict(list)
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                gold[rec["article"]].append(rec)
    return gold


def examples(corpus: Path, gold: dict[str, list[dict]], skip: frozenset[str] = frozenset()) -> list[Example]:
    """Every sentence of the corpus articles (but the `skip`ped names), labelled by the gold."""
    out = []
    for path in sorted(corpus.iterdir()):
        if path.suffix == ".txt" and path.name not in skip:
            out += article_examples(path.name, next(read_articles(path)), gold.get(path.name, []))
    return out


def article_examples(name: str, article: Article, records: list[dict], silver: bool = False) -> list[Example]:
    """The sentences of one article, each labelled with the types of the records (gold
    lines, or a language model's claims as silver) whose evidence it covers."""
    doc = build_document(article)
    golds = []
    for g in records:
        start = doc.raw_text.find(g["evidence"])
        if start >= 0:
            golds.append((g["type"], (start, start + len(g["evidence"])), g.get("stance")))
    out = []
    for s, (feats, _, _) in zip(doc.sentences, sentence_features(doc.sentences)):
        span = (s.raw_start, s.raw_end)
        matched = [(t, stance) for t, g, stance in golds if span_cover(g, span) >= MIN_COVER]
        stance = next((st for t, st in matched if t == "legality" and st), None)
        out.append(Example(name, feats, {t for t, _ in matched}, is_question(s.text), s.text, stance, silver,
                           section_of(s)))
    return out


def annotated_folder(folder: Path) -> list[tuple[str, str, list[dict]]]:
    """(file name, text, claims) of a folder of articles (`*.txt`) annotated in its
    `claims.jsonl` (the gold format): silver data such as training/synthetic/. A claim
    naming a file that is not there, or quoting words that are not in it, is an error."""
    path = folder / "claims.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{folder}: no claims.jsonl (articles *.txt and their claims in the gold format)")
    records = load_gold([str(path)])
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}
    for name, recs in records.items():
        if name not in texts:
            raise ValueError(f"{path}: claims of {name}, which is not in {folder}")
        missing = next((r["evidence"] for r in recs if r["evidence"] not in texts[name]), None)
        if missing is not None:
            raise ValueError(f"{path}: a claim of {name} quotes words not in the article: {missing[:40]}")
    return [(name, text, records.get(name, [])) for name, text in texts.items()]


def silver_examples(silver: list[tuple[str, str, list[dict]]]) -> list[Example]:
    """Examples of (name, text, claims as gold-like records) read by a language model."""
    return [e for name, text, records in silver for e in article_examples(name, Article(name, text), records, True)]


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float((y & pred).sum())
    return 2 * tp / max(1.0, float(y.sum() + pred.sum()))


def data_hash(corpus: Path, gold_paths: list[str], silver: list | None = None) -> str:
    """sha256 of the annotated data a model is fitted on: the gold files and the texts
    of the corpus articles they annotate, and the silver articles with their claims."""
    h = hashlib.sha256()
    if silver:
        h.update(json.dumps(silver, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    gold = load_gold(gold_paths)
    for path in sorted(gold_paths):
        h.update(Path(path).read_bytes())
    for name in sorted(gold):
        if (corpus / name).exists():
            h.update(name.encode() + (corpus / name).read_bytes())
    return h.hexdigest()


@dataclass
class Annotated:
    """What a fit reads: the gold records by article, the labelled sentences of the corpus
    articles, and those of the silver articles (fitted on, never scored)."""
    gold: dict[str, list[dict]]
    examples: list[Example]
    silver: list[Example]


def read_annotated(corpus: Path, gold_paths: list[str],
                   silver: list[tuple[str, str, list[dict]]] | None = None) -> Annotated:
    """The gold, and the sentences of `corpus` it labels (an article of `silver` is left
    out of them: its sentences are silver), and the silver sentences."""
    gold = load_gold(gold_paths)
    return Annotated(gold, examples(corpus, gold, skip=frozenset(n for n, _, _ in silver or ())),
                     silver_examples(silver or []))


def train(corpus: Path, gold_paths: list[str], folds: int = 5, progress: Callable | None = None,
          silver: list[tuple[str, str, list[dict]]] | None = None, jobs: int = 1,
          annotated: Annotated | None = None) -> tuple[dict, dict]:
    """(model document for claim_weights.yml, cross-validated F1 per type and over all
    types, `all`, and stance accuracy) fitted on the annotated articles of `corpus`, and on
    `silver` articles (name, text, a language model's claims) if given: always in the
    training folds, never scored. `annotated`: read_annotated of the same, if read already."""
    data = annotated or read_annotated(corpus, gold_paths, silver)
    model, report = fit_model(data.examples + data.silver, folds, progress, jobs)
    model["data_sha256"] = data_hash(corpus, gold_paths, silver)
    model["cross_validated"] = report
    model["version"] = model_version(model)
    return model, report


def model_version(model: dict) -> str:
    """The version a claim records: a hash of everything the model decides with."""
    body = {k: v for k, v in model.items() if k not in ("version", "cross_validated")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]


def _usable(exs: list[Example]) -> list[Example]:
    """Questions and not-a-claim sentences are never claims: the model does not see them."""
    return [e for e in exs if not e.question and not any(f.startswith("not:") for f in e.features)]


def _fold_ids(exs: list[Example], folds: int) -> np.ndarray:
    """A fold per article (GroupKFold: whole articles out); silver examples -1: in every
    training fold, in no test fold."""
    scored = [i for i, e in enumerate(exs) if not e.silver]
    groups = [exs[i].article for i in scored]
    folds = max(2, min(folds, len(set(groups))))
    ids = np.full(len(exs), -1, dtype=int)
    for k, (_, test) in enumerate(GroupKFold(folds).split(scored, groups=groups)):
        ids[np.array(scored)[test]] = k
    return ids


def _sample_weights(exs: list[Example], silver_weight: float | None = None) -> np.ndarray:
    """An annotator's sentence counts 1, a silver one SILVER_WEIGHT (or `silver_weight`)."""
    silver = SILVER_WEIGHT if silver_weight is None else silver_weight
    return np.array([silver if e.silver else 1.0 for e in exs])


def _fit_type(X, y: np.ndarray, w: np.ndarray | None = None, C: float = C_TYPES) -> LogisticRegression:
    return LogisticRegression(C=C, class_weight="balanced", max_iter=3000).fit(X, y, sample_weight=w)


def _fit_types(X, Y: np.ndarray, w: np.ndarray, C: float = C_TYPES) -> list[LogisticRegression | None]:
    """A model per type (inverse L2 strength C); None for a type the rows do not tell apart
    (all or none carry it)."""
    return [_fit_type(X, Y[:, j], w, C) if Y[:, j].any() and not Y[:, j].all() else None for j in range(len(TYPES))]


def _decisions(models: list[LogisticRegression | None], X) -> np.ndarray:
    return np.column_stack([m.decision_function(X) if m is not None else np.zeros(X.shape[0]) for m in models])


def _inner_scores(X, Y: np.ndarray, w: np.ndarray, articles: np.ndarray) -> np.ndarray:
    """The first reading's scores of every row by a model fitted without the row's article
    (INNER_FOLDS folds by article): what the context of a sentence of an unseen article is
    read from, so the final reading learns to trust it as much as it deserves."""
    scores = np.zeros(Y.shape)
    folds = min(INNER_FOLDS, len(set(articles)))
    if folds < 2:
        return scores
    for train, test in GroupKFold(folds).split(X, groups=articles):
        scores[test] = _decisions(_fit_types(X[train], Y[train], w[train]), X[test])
    return scores


def _with_context(X, columns: np.ndarray, exs: list[Example], rows: np.ndarray, scores: np.ndarray):
    """X[rows] with the context features (extract/context.py) the first-reading `scores`
    of those rows give, article by article (rows in article order); `columns`: the
    columns of context_names() in X."""
    probs = sigmoid(scores)
    ctx = np.zeros((len(rows), len(columns)))
    start = 0
    for _, group in itertools.groupby(rows, key=lambda i: exs[i].article):
        at = [exs[i].section for i in group]
        ctx[start:start + len(at)] = context_matrix(at, probs[start:start + len(at)])
        start += len(at)
    placed = sparse.csr_matrix((ctx.ravel(), (np.repeat(np.arange(len(rows)), len(columns)),
                                              np.tile(columns, len(rows)))), shape=(len(rows), X.shape[1]))
    return X[rows] + placed


def _weights(names, coef: np.ndarray, scale: float = 1.0) -> dict[str, float]:
    return {str(n): round(float(scale * v), 4) for n, v in zip(names, coef) if abs(scale * v) >= WEIGHT_MIN}


def _fit_readings(X, Y: np.ndarray, w: np.ndarray, articles: np.ndarray, exs: list[Example], columns: np.ndarray,
                  rows: np.ndarray) -> tuple[list, list]:
    """The first and the final reading (type models) fitted on `rows`: the final one on
    the first reading's scores of its rows' articles by an inner cross-validation."""
    first = _fit_types(X[rows], Y[rows], w[rows])
    in_context = _with_context(X, columns, exs, rows, _inner_scores(X[rows], Y[rows], w[rows], articles[rows]))
    return first, _fit_types(in_context, Y[rows], w[rows], C_FINAL)


def _map(fn: Callable, items: list, jobs: int = 1, progress: Callable | None = None) -> list:
    """[fn(item) for item in items], in `jobs` forked processes when more than one (the
    same results: every fit is deterministic); `progress` is called as each one is done."""
    with ExitStack() as stack:
        if jobs > 1 and len(items) > 1 and "fork" in get_all_start_methods():
            pool = stack.enter_context(ProcessPoolExecutor(min(jobs, len(items)), mp_context=get_context("fork")))
            results = pool.map(fn, items)
        else:
            results = map(fn, items)
        out = []
        for result in results:
            out.append(result)
            if progress:
                progress()
        return out


def fit_model(exs: list[Example], folds: int = 5, progress: Callable | None = None,
              jobs: int = 1) -> tuple[dict, dict]:
    """The type and stance models fitted on the examples, with thresholds, calibration and
    the second-type ratio chosen on held-out predictions (folds by article). Types are read
    twice (extract/context.py): a first reading on each sentence's own features, then the
    final one with the first reading of its neighbours, section and article beside them.
    The folds' fits, and the fit on every sentence, run in `jobs` processes."""
    exs = _usable(exs)
    vec = DictVectorizer()
    present = [dict.fromkeys(sorted(e.features), 1) for e in exs]
    vec.fit(present + [dict.fromkeys(context_names(), 1)])  # every context column, whether or not it occurs
    X = vec.transform(present).tocsr()
    Y = np.array([[t in e.labels for t in TYPES] for e in exs])
    articles = np.array([e.article for e in exs])
    fold = _fold_ids(exs, folds)
    sw = _sample_weights(exs)
    columns = np.array([vec.vocabulary_[n] for n in context_names()])
    ks = sorted(set(fold) - {-1})
    # each fold's readings, and last those of every sentence (the model): fitted in `jobs` processes
    fit = partial(_fit_readings, X, Y, sw, articles, exs, columns)
    readings = _map(fit, [np.flatnonzero(fold != k) for k in ks] + [np.arange(len(exs))], jobs, progress)
    held_out = np.zeros(Y.shape)
    for k, (first, final) in zip(ks, readings):
        test = np.flatnonzero(fold == k)
        held_out[test] = _decisions(final, _with_context(X, columns, exs, test, _decisions(first, X[test])))
    # calibration, thresholds and figures from the annotated (scored) sentences only
    scored = fold >= 0
    held_out, Ys = held_out[scored], Y[scored]
    calibration = [_platt(held_out[:, j], Ys[:, j]) for j in range(len(TYPES))]
    probs = np.column_stack([sigmoid(a * held_out[:, j] + b) for j, (a, b) in enumerate(calibration)])
    grid = np.arange(0.1, 0.81, 0.025)
    thresholds = np.array([grid[int(np.argmax([_f1(Ys[:, j], probs[:, j] >= t) for t in grid]))]
                           for j in range(len(TYPES))])
    ratio = _second_type_ratio(probs, thresholds, Ys)
    predicted = _predict(probs, thresholds, ratio)
    names = vec.get_feature_names_out()
    first, final = readings[-1]
    model: dict = {"format": MODEL_FORMAT, "second_type_min_ratio": ratio, "first_reading": {}}
    report: dict = {}
    for j, type_ in enumerate(TYPES):
        a, b = calibration[j]
        model["first_reading"][type_] = {"bias": round(float(first[j].intercept_[0]), 4),
                                         "weights": _weights(names, first[j].coef_[0])}
        model[type_] = {"bias": round(float(a * final[j].intercept_[0] + b), 4),
                        "threshold": round(float(thresholds[j]), 3),
                        "weights": _weights(names, final[j].coef_[0], a)}
        report[type_] = {"cv_f1": round(_f1(Ys[:, j], predicted[:, j]), 3), "positives": int(Ys[:, j].sum())}
    report["all"] = {"cv_f1": round(_f1(Ys.ravel(), predicted.ravel()), 3), "positives": int(Ys.sum())}
    model["stance"], report["stance"] = fit_stance(exs, folds)
    return model, report


def _platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(a, b) of p = sigmoid(a·score + b) fitted on held-out scores."""
    if y.all() or not y.any():
        return 1.0, 0.0
    lr = LogisticRegression(C=1e4).fit(scores.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _stance_vectors(exs: list[Example]):
    vec = DictVectorizer()
    X = vec.fit_transform([dict.fromkeys(sorted(stance_features(e.text)), 1) for e in exs]).tocsr()
    return vec, X


def _fit_stance(X, y: np.ndarray, w: np.ndarray | None = None) -> LogisticRegression:
    return LogisticRegression(C=C_STANCE, max_iter=3000).fit(X, y, sample_weight=w)


def fit_stance(exs: list[Example], folds: int = 5) -> tuple[dict | None, dict]:
    """The stance model (extract/stance.py's document) and its accuracy on held-out articles."""
    legal = [e for e in exs if e.stance]
    if len({e.stance for e in legal}) < 2 or len({e.article for e in legal if not e.silver}) < 2:
        return None, {"cv_accuracy": None, "examples": len(legal)}
    vec, X = _stance_vectors(legal)
    y = np.array([e.stance for e in legal])
    fold = _fold_ids(legal, folds)
    w = _sample_weights(legal, STANCE_SILVER_WEIGHT)
    right = 0
    for k in sorted(set(fold) - {-1}):
        if len(set(y[fold != k])) < 2:
            continue
        right += int((_fit_stance(X[fold != k], y[fold != k], w[fold != k]).predict(X[fold == k]) == y[fold == k]).sum())
    fitted = _fit_stance(X, y, w)
    classes = [str(c) for c in fitted.classes_]
    coef = fitted.coef_ if len(classes) > 2 else np.vstack([-fitted.coef_[0], fitted.coef_[0]])
    bias = fitted.intercept_ if len(classes) > 2 else np.array([-fitted.intercept_[0], fitted.intercept_[0]])
    weights = {}
    for i, name in enumerate(vec.get_feature_names_out()):
        ws = {c: round(float(coef[k, i]), 4) for k, c in enumerate(classes) if abs(coef[k, i]) >= 0.005}
        if ws:
            weights[str(name)] = ws
    document = {"classes": classes, "bias": {c: round(float(b), 4) for c, b in zip(classes, bias)},
                "weights": weights}
    scored = int((fold >= 0).sum())
    return document, {"cv_accuracy": round(right / scored, 3) if scored else None, "examples": scored}


def _predict(p: np.ndarray, thresholds: np.ndarray, ratio: float) -> np.ndarray:
    """Types over their threshold, a sentence's second type only within `ratio` of its top."""
    return (p >= thresholds) & (p >= ratio * p.max(axis=1, keepdims=True))


def _second_type_ratio(p: np.ndarray, thresholds: np.ndarray, Y: np.ndarray) -> float:
    """Most sentences carry one type: the ratio that gives the best held-out F1."""
    grid = [round(r, 2) for r in np.arange(0.0, 1.01, 0.05)]
    return max(grid, key=lambda r: (_f1(Y.ravel(), _predict(p, thresholds, r).ravel()), -r))


def write_weights(model: dict, report: dict, path: Path) -> None:
    header = ("# The claim model: weights of the named claim features (extract/data/claim_rules.yml and\n"
              "# structure) per type, and the stance classifier (extract/stance.py), fitted on the\n"
              "# annotated corpus by `kb train-claims --write`; do not edit by hand. `data_sha256` names\n"
              "# the data it was fitted on, `cross_validated` its figures on held-out articles.\n"
              f"# cross-validated by article: {json.dumps(report, ensure_ascii=False)}\n"
              "# Written as JSON (which is YAML too): it loads in milliseconds, not 0.1 s.\n")
    body = json.dumps(model, ensure_ascii=False, sort_keys=True, indent=1)
    path.write_text(header + body + "\n", encoding="utf-8")
