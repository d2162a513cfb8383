"""Claim types and stances: the vocabulary a researcher filters on in Datasette."""
from __future__ import annotations

import pytest

from conftest import CORPUS

TYPES = ("legality", "procedure", "risk", "mitigation")
STANCES = {"legal", "illegal", "conditional", "requirement"}


@pytest.mark.parametrize("type_", TYPES)
def test_every_type_occurs_in_the_corpus(db, type_):
    n = db.execute("select count(*) from claims where type = ?", [type_]).fetchone()[0]
    assert n > 0


def test_no_other_types(db):
    assert {r["type"] for r in db.query("select distinct type from claims")} <= set(TYPES)


def test_legality_claims_have_a_stance(db):
    stances = {r["stance"] for r in db.query("select distinct stance from claims where type = 'legality'")}
    assert stances <= STANCES, stances
    # the corpus argues both ways: collection outsourcing is legal, some methods are illegal
    assert {"legal", "illegal", "requirement"} <= stances


def test_only_legality_claims_have_a_stance(db):
    rows = list(db.query("select id, type, stance, text from claims where type != 'legality' and stance is not null"))
    assert rows == []


def test_every_claim_names_its_rule(db):
    rows = list(db.query("select id, type, text from claims where rule is null or trim(rule) = ''"))
    assert rows == []


def test_every_rule_can_be_looked_up(db):
    """A claim's rule is a named rule of claim_rules.yml or a learned feature (word,
    character pair) whose weight claim_weights.yml lists for the claim's type."""
    from extract.claims_rules import compiled_rules, weights
    from extract.features import LEARNED_PREFIXES

    rules = compiled_rules()
    named = {c.name for c in rules.cues + rules.hints} | {"list_item", "labelled", "first_in_paragraph",
                                                           "after_list_intro", "comment", "short", "ends_with_colon"}
    for row in db.query("select distinct type, rule from claims"):
        if row["rule"].startswith(LEARNED_PREFIXES):
            assert weights()[row["type"]]["weights"].get(row["rule"], 0) > 0, row
        else:
            assert row["rule"] in named, row


def test_a_sentence_is_read_by_its_character_pairs_too():
    """A word the censor cut (措施 → 措) still gives its pairs, across the words rjieba
    makes of it; no pair crosses punctuation."""
    from extract.features import text_features

    sentence = next(line for line in (CORPUS / "000_bc4a86700b171b97.txt").read_text(encoding="utf-8").splitlines()
                    if "平安银行采用多种措" in line)
    sentence = sentence[sentence.index("平安银行采用多种措"):].split("。")[0]
    feats = text_features(sentence)
    assert {"char:种措", "char:多种", "char:风险"} <= feats
    assert "char:措尽" not in feats


def test_one_claim_per_sentence_and_type(db):
    dupes = list(db.query("select sentence_id, type, count(*) n from claims group by 1, 2 having n > 1"))
    assert dupes == []


def test_claim_sections_are_body_or_comment(db):
    assert {r["section"] for r in db.query("select distinct section from claims")} <= {"body", "comment"}


@pytest.mark.parametrize("fragment, type_, stance", [
    ("上门催款的表现在中国是不合法的", "legality", "illegal"),
    ("催款公司是依照法律规定依法设立的", "legality", "legal"),
], ids=["door-to-door-collection-illegal", "lawfully-established-legal"])
def test_clear_legality_statements(db, fragment, type_, stance):
    rows = list(db.query("select type, stance from claims where text like ? and type = ?", [f"%{fragment}%", type_]))
    assert rows == [{"type": type_, "stance": stance}]


@pytest.mark.parametrize("fragment", [
    "委外是指债权人将逾期未还款项委托给专业机构",      # X是指…
    "催收外包指金融机构将逾期债务委托给催收公司",      # X指…
    "微粒贷是一家知名的互联网金融公司",                # X是一家…
    "总之,卡债清算是指解决信用卡债务的过程",          # 总之, X是指…
])
def test_definitions_are_not_claims(db, fragment):
    rows = list(db.query("select type, text from claims where text like ?", [f"%{fragment}%"]))
    assert rows == []


def test_a_definition_word_in_a_judgement_still_gives_a_claim():
    from extract.claims_rules import compiled_rules

    definition = dict(compiled_rules().not_claims)["definition"]
    assert definition.search("委外是一种债权人委托专业机构或个人实行逾期债权追收的业务模式。")
    assert not definition.search("爆通讯录是一种违法行为。")


def test_a_second_type_of_a_sentence_is_nearly_as_likely_as_the_first(db):
    """Most sentences carry one type; a second is kept only within the fitted ratio."""
    from extract.claims_rules import weights

    ratio = weights()["second_type_min_ratio"]
    groups = list(db.query("select group_concat(confidence) as c from claims group by article_id, raw_start, raw_end "
                           "having count(*) > 1"))
    assert groups, "no sentence of the corpus carries two types"
    for g in groups:
        confidences = [float(c) for c in g["c"].split(",")]
        assert min(confidences) >= ratio * max(confidences) - 0.01, confidences


@pytest.mark.parametrize("name, fragment, announces", [
    ("h036.txt", "下面我将就微粒贷逾期会给家人打电话的情况进行介绍", True),
    ("h038.txt", "首先,我们需要了解微粒贷逾期还款的策略", True),
    # a long account of collection harassment that ends by announcing the topic is still a claim
    ("h060.txt", "最近有不少朋友跟我吐槽", False),
    ("h059.txt", "接下来就是“精准打击”", False),
])
def test_announcements_of_the_article_are_not_claims(name, fragment, announces):
    from extract.claims_rules import compiled_rules
    from extract.document import build_document
    from extract.formats import read_articles

    announcement = dict(compiled_rules().not_claims)["announcement"]
    doc = build_document(next(read_articles(CORPUS / name)))
    sentence = next((s.text for s in doc.sentences if fragment in s.text), None)
    if sentence is None:
        pytest.fail(f"{fragment} not in {name}")
    assert bool(announcement.search(sentence)) is announces
