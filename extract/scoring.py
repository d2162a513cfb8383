"""Scoring claims against gold annotations, by the rule of ../shared/eval/score.py.

A predicted claim matches a gold claim of the same type when their overlap covers at
least MIN_COVER of both spans (raw offsets); each prediction matches at most one gold
claim, each gold claim takes the best unused prediction. Gold evidence is located in the
raw text tolerant of same-length masking of ASCII letters and digits (personal data) and
of CRLF line ends. Pure: spans in, counts out (kb/evaluate.py reads them from a database,
extract/held_out.py from the offline model)."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from .claims_rules import TYPES

MIN_COVER = 0.4


@dataclass(frozen=True)
class Predicted:
    type: str
    stance: str | None
    section: str | None
    start: int
    end: int


@dataclass(frozen=True)
class Mistake:
    """One confusion, for `kb eval --errors`: what the gold says, what was predicted."""
    article: str
    gold: str  # 'risk', 'legality/illegal', or '-' for a false claim
    predicted: str  # 'procedure', 'legality/requirement', or '-' for a miss
    text: str


def span_cover(a: tuple[int, int], b: tuple[int, int]) -> float:
    """The overlap of two spans as a share of the longer one."""
    ov = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return min(ov / max(1, a[1] - a[0]), ov / max(1, b[1] - b[0])) if ov else 0.0


def locate(raw: str, evidence: str) -> tuple[int, int] | None:
    start = raw.find(evidence)
    if start >= 0:
        return start, start + len(evidence)
    pattern = "".join("." if c.isascii() and c.isalnum() else r"\r?\n" if c == "\n" else re.escape(c)
                      for c in evidence)
    m = re.search(pattern, raw)
    return (m.start(), m.end()) if m else None


def score_article(name: str, raw: str, golds: list[dict], preds: list[Predicted],
                  mistakes: list[Mistake] | None = None) -> Counter:
    """Counts (type, tp|fp|fn), (stance, n|ok), (section, n|ok) of one article; with
    `mistakes`, every miss, false claim and wrong stance is appended to it."""
    counts: Counter = Counter()
    for t in TYPES:
        p_t = [p for p in preds if p.type == t]
        used: set[int] = set()
        for g in (g for g in golds if g["type"] == t):
            span = locate(raw, g["evidence"])
            best, best_i = 0.0, None
            for i, p in enumerate(p_t):
                if span is not None and i not in used:
                    q = span_cover(span, (p.start, p.end))
                    if q > best:
                        best, best_i = q, i
            if best < MIN_COVER:
                counts[t, "fn"] += 1
                if mistakes is not None:
                    mistakes.append(Mistake(name, _label(t, g.get("stance")),
                                            _other_type(raw, span, preds, t), g["evidence"]))
                continue
            used.add(best_i)
            counts[t, "tp"] += 1
            p = p_t[best_i]
            if t == "legality" and g.get("stance"):
                counts["stance", "n"] += 1
                counts["stance", "ok"] += p.stance == g["stance"]
                if mistakes is not None and p.stance != g["stance"]:
                    mistakes.append(Mistake(name, _label(t, g["stance"]), _label(t, p.stance), g["evidence"]))
            if g.get("section"):
                counts["section", "n"] += 1
                counts["section", "ok"] += p.section == g["section"]
        counts[t, "fp"] += len(p_t) - len(used)
        if mistakes is not None:
            mistakes.extend(Mistake(name, "-", _label(t, p.stance), raw[p.start:p.end])
                            for i, p in enumerate(p_t) if i not in used)
    return counts


def _label(type_: str, stance: str | None) -> str:
    return f"{type_}/{stance}" if type_ == "legality" and stance else type_


def _other_type(raw: str, span: tuple[int, int] | None, preds: list[Predicted], gold_type: str) -> str:
    """What a missed gold claim was read as instead: the type of a prediction on its span."""
    if span is None:
        return "- (evidence not in the article)"
    found = [p for p in preds if p.type != gold_type and span_cover(span, (p.start, p.end)) >= MIN_COVER]
    return ",".join(sorted({_label(p.type, p.stance) for p in found})) or "-"


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def report(counts: Counter, articles: int | None = None) -> dict:
    by_type = {t: prf(counts[t, "tp"], counts[t, "fp"], counts[t, "fn"]) for t in TYPES}
    micro = prf(*(sum(counts[t, k] for t in TYPES) for k in ("tp", "fp", "fn")))
    n, sn = counts["stance", "n"], counts["section", "n"]
    return {"by_type": by_type, "micro": micro, "stance_accuracy": counts["stance", "ok"] / n if n else None,
            "section_accuracy": counts["section", "ok"] / sn if sn else None, "articles": articles}


def format_report(rep: dict) -> Iterable[str]:
    """The lines score.py prints: one per type, stance and section accuracy, micro."""
    yield f"{'type':<12} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>4} {'fn':>4}"
    for t, m in rep["by_type"].items():
        yield f"{t:<12} {m['p']:6.3f} {m['r']:6.3f} {m['f1']:6.3f} {m['tp']:5d} {m['fp']:4d} {m['fn']:4d}"
    stance = "n/a" if rep["stance_accuracy"] is None else f"{rep['stance_accuracy']:.3f}"
    section = "n/a" if rep["section_accuracy"] is None else f"{rep['section_accuracy']:.3f}"
    yield f"stance accuracy {stance}, section accuracy {section}, articles {rep['articles']}"
    m = rep["micro"]
    yield f"micro P {m['p']:.3f} R {m['r']:.3f} F1 {m['f1']:.3f}"
