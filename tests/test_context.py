"""Claims read in context (extract/context.py): the final reading of a sentence weighs
what a first reading made of its neighbours, its section and its article."""
from __future__ import annotations

import copy
import os
import subprocess
import sys

import pytest

from conftest import A000, CORPUS, ROOT
from extract.claims import ClaimModel, claim_candidates, extract_claims, fitted_model
from extract.claims_rules import TYPES, weights
from extract.context import context_matrix, context_names
from extract.document import build_document
from extract.formats import read_articles


@pytest.fixture(scope="module")
def candidates():
    doc = build_document(next(read_articles(CORPUS / A000)))
    return doc, claim_candidates(doc.sentences)


def test_context_is_what_the_first_reading_made_of_the_neighbours(candidates):
    _, cands = candidates
    model = fitted_model()
    firsts = model.first_reading([c.features for c in cands])
    matrix = context_matrix([" > ".join(c.sentence.block.heading_path) for c in cands], firsts)
    contexts = [dict(zip(context_names(), row)) for row in matrix]
    for i in range(1, len(cands) - 1):
        for j, t in enumerate(TYPES):
            assert contexts[i][f"ctx:prev_{t}"] == pytest.approx(firsts[i - 1][j], abs=1e-4)
            assert contexts[i][f"ctx:next_{t}"] == pytest.approx(firsts[i + 1][j], abs=1e-4)
    # the section feature is the mean over the other sentences under the same heading
    sections = [c.sentence.block.heading_path for c in cands]
    i = next(i for i, p in enumerate(sections) if p and sections.count(p) > 2)
    others = [k for k, p in enumerate(sections) if p == sections[i] and k != i]
    expected = sum(firsts[k][TYPES.index("risk")] for k in others) / len(others)
    assert contexts[i]["ctx:section_risk"] == pytest.approx(expected, abs=1e-4)
    assert contexts[0]["ctx:prev_risk"] == 0 and contexts[-1]["ctx:next_risk"] == 0


def test_a_lone_sentence_has_no_context():
    assert not context_matrix(["一、风险"], [[0.1, 0.2, 0.9, 0.3]]).any()


def test_text_before_the_first_heading_is_no_section():
    feats = [dict(zip(context_names(), row))
             for row in context_matrix(["", ""], [[0.1, 0.2, 0.9, 0.3], [0.5, 0.5, 0.5, 0.5]])]
    assert not any(v for f, v in feats[0].items() if f.startswith("ctx:section_"))
    assert feats[0]["ctx:article_risk"] == 0.5 and feats[1]["ctx:prev_risk"] == 0.9


@pytest.mark.parametrize("type_", TYPES)
def test_neighbours_of_a_type_make_the_type_likelier(type_):
    """What the fitted model learned from the annotated articles: a sentence among
    sentences of a type (before it, after it, under its heading) leans to that type."""
    w = weights()[type_]["weights"]
    assert sum(w.get(f"ctx:{scope}_{type_}", 0.0) for scope in ("prev", "next", "section")) > 0.5


def test_every_context_feature_is_in_the_model_file():
    model = weights()
    assert set(model["first_reading"]) == set(TYPES)
    named = set().union(*(model[t]["weights"] for t in TYPES))
    assert set(context_names()) & named


def test_context_is_never_the_rule_a_claim_names(candidates):
    doc, _ = candidates
    claims = extract_claims(doc.sentences)
    assert claims
    assert not [c.rule for c in claims if c.rule.startswith(("ctx:", "prev_", "next_", "section_", "article_"))]
    # but a claim lists the context that counted for it, findable in claim_weights.yml
    assert any(r.startswith("ctx:") for c in claims for r in c.rules)


def test_a_model_without_a_first_reading_reads_sentences_alone(candidates):
    doc, _ = candidates
    document = copy.deepcopy(weights())
    del document["first_reading"]
    alone = extract_claims(doc.sentences, ClaimModel(document))
    assert alone and not any(r.startswith("ctx:") for c in alone for r in c.rules)


def test_reading_is_the_same_to_the_bit_under_any_hash_seed():
    """A feature set iterates in an order the hash seed decides; the sums of its weights
    must not follow it, or two ingests of one article could store different claims."""
    code = ("import sys; from extract.claims import claim_candidates, fitted_model; "
            "from extract.context import section_of; from extract.document import build_document; "
            "from extract.formats import read_articles; from pathlib import Path; "
            "cands = claim_candidates(build_document(next(read_articles(Path(sys.argv[1])))).sentences); "
            "print(repr(fitted_model().read([c.features for c in cands], [section_of(c.sentence) for c in cands])))")
    outs = [subprocess.run([sys.executable, "-c", code, str(CORPUS / A000)], cwd=ROOT, capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("0", "4242")]
    assert outs[0] == outs[1] and outs[0].count("Typing(") > 20


def test_a_sentence_scores_its_bias_plus_the_weights_of_its_features(candidates):
    """Each row of an article's scores is the type biases plus the weights of the features
    its sentence holds, whatever rows sit beside it: a sentence with no feature the model
    knows (an empty row) scores its biases alone, not its neighbour's weights."""
    _, cands = candidates
    model = fitted_model()
    sets = [frozenset(), cands[0].features, frozenset({"no:such_feature"}), cands[1].features, frozenset()]
    scores = model.final.scores(model.index.indicators(sets))
    document = weights()
    for feats, row in zip(sets, scores):
        expected = [document[t]["bias"] + sum(document[t]["weights"].get(f, 0.0) for f in feats) for t in TYPES]
        assert row.tolist() == pytest.approx(expected, abs=1e-9)
    assert scores[0].tolist() == scores[2].tolist() == scores[4].tolist() == [document[t]["bias"] for t in TYPES]
    assert scores[1].tolist() != scores[0].tolist()
