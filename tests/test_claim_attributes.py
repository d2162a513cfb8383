"""Attributes of claims on real sentences from the samples: stance, section, subject,
process steps and law resolution."""
from __future__ import annotations

from functools import lru_cache

import pytest

from conftest import A000, CORPUS
from extract import analyse, load
from extract.laws import find_laws, law_table, resolve_law

A001 = "001_d1e87e6a91d97939.txt"
A003 = "003_886f49acf3056d93.txt"


@lru_cache(maxsize=None)
def claims_of(name: str):
    return analyse(next(load(CORPUS / name))).claims


def claim_with(name: str, words: str, type_: str):
    found = [c for c in claims_of(name) if words in c.text and c.type == type_]
    assert found, f"no {type_} claim containing {words} in {name}"
    return found[0]


@pytest.mark.parametrize("words, stance", [
    ("上门催款的表现在中国是不合法的", "illegal"),
    ("该行为是违法的", "illegal"),
    ("第三方催款公司是否合法需依照情况而定", "conditional"),
    ("催款公司是依照法律规定依法设立的", "legal"),
    ("信用卡外包也需要遵守《人民民事诉讼法》", "requirement"),
])
def test_stance_of_reader_comments_in_000(words, stance):
    claim = claim_with(A000, words, "legality")
    assert claim.stance == stance
    assert claim.section == "comment"


@pytest.mark.parametrize("name, words, stance", [
    # a statute's penalty clause states what the law provides: not a verdict on one act
    ("h068.txt", "透支数额较大的,处五年以下有期徒刑", "requirement"),
    # 「要不然…违法」: the act without the condition is unlawful
    ("h017.txt", "要不然的话就是属于私闯民宅是违法的", "illegal"),
    ("h102.txt", "无力偿还不算恶意透支", "legal"),
    ("h082.txt", "则涉嫌侵害借款人人格权", "illegal"),
    # an act judged to be (可能被认定为) a wrong, even when the sentence cites the penalty too
    ("h005.txt", "可能被认定为“变相限制人身自由”", "illegal"),
    ("h068.txt", "以下情况可能被认定为恶意透支", "illegal"),
    ("h082.txt", "明显属于不当行为", "illegal"),
    ("h102.txt", "属于信用卡诈骗的一部分", "illegal"),
])
def test_first_stance_rule_of_legality_sentences_in_web_articles(name, words, stance):
    """The hand-written stance rules, in their order, are one feature of the stance
    classifier (`first:NAME`): what they read on real sentences."""
    from extract.stance import first_stance_rule, stance_features

    sentence = next(s.text for s in analyse(next(load(CORPUS / name))).document.sentences
                    if words in s.text)
    found, rule = first_stance_rule(sentence)
    assert found == stance
    assert f"first:{rule}" in stance_features(sentence)


def test_body_claims_of_000_are_body():
    claim = claim_with(A000, "数据泄露的风险将直接危害持卡人", "risk")
    assert claim.section == "body" and claim.subject == "数据泄露"


def test_questions_are_not_claims():
    assert not [c for c in claims_of(A003) if c.text.endswith(("?", "？"))]


def test_steps_of_001_outsourcing_process_in_order():
    steps: dict[int, str] = {}
    for c in claims_of(A001):
        if c.type == "procedure" and c.process == "委外的流程":
            steps.setdefault(c.step, c.sentence.block.label)
    assert list(steps) == [1, 2, 3, 4]
    assert list(steps.values()) == ["委托", "策略制定", "实", "追踪监"]  # 实(施), 监(督): words cut by censors


def test_stages_of_003_enumerated_inline():
    claim = claim_with(A003, "微粒贷的流程分为五个阶", "procedure")
    assert claim.process == "微粒贷的流程"
    assert claim.stages[:3] == ["预催", "正式催", "高强度催"] and len(claim.stages) == 5


def test_garbled_law_title_resolves_to_the_civil_procedure_law():
    (mention,) = find_laws("信用卡外包也需要遵守《人民民事诉讼法》等相关法律法规")
    assert mention.law == "中华人民共和国民事诉讼法" and mention.known
    assert law_table()[mention.law]["status"] == "in_force"


def test_non_existent_law_is_marked_not_real():
    assert resolve_law("借贷合同法") == "借贷合同法"
    spec = law_table()["借贷合同法"]
    assert spec["status"] == "not_a_law" and spec["real"] is False


def test_contract_law_is_repealed_by_the_civil_code():
    (mention,) = find_laws("债权人在追索债务时应遵守合同法和其他相关法律的规定")
    spec = law_table()[mention.law]
    assert spec["status"] == "repealed" and spec["replaced_by"] == "中华人民共和国民法典"
    assert spec["repealed_year"] == 2021


@pytest.mark.parametrize("name, words, subject", [
    # the sentence names 隐私/泄露, but it judges what an agency does while collecting
    ("001_d1e87e6a91d97939.txt", "不得泄露个人信息", "委外催收"),
    ("h014.txt", "合法与否的分界在于是否尊重债务人", "委外催收"),
])
def test_legality_subject_is_the_activity_not_a_harm_inside_it(name, words, subject):
    assert claim_with(name, words, "legality").subject == subject


def test_no_subject_is_a_fragment():
    from extract.claims import context_subject

    assert context_subject("1.") is None and context_subject("一、") is None and context_subject("法") is None
    assert context_subject("微粒贷的流程是不是合法?") == "微粒贷的流程"
    for path in sorted(CORPUS.glob("h0*.txt")):
        for claim in claims_of(path.name):
            assert claim.subject is None or len(claim.subject) >= 2, (path.name, claim.subject)
