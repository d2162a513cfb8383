"""Garbling signals (deleted-word gaps, spun phrases, stuffed keywords, mojibake) with
raw offsets and rules; confident repairs applied to the analysis text only."""
from __future__ import annotations

import pytest

from conftest import A000, A002, CORPUS
from extract import load
from extract.clean.repairs import find_garbling
from extract.clean.stuffing import find_stuffing
from extract.document import build_document


def document(name: str):
    return build_document(next(load(CORPUS / name)))


@pytest.mark.parametrize("text, rule", [
    ("不得采取任何、、或者侮辱性的不当手段", "gap_enumeration"),
    ("采用 、短信或郵件等方式", "gap_enumeration"),
    ("假使外包机构的信息安全措不到位", "gap_cuo_shi"),
    ("金融机构在选择时,理应实严格的筛选和审查", "gap_shi_shi"),
    ("合规的手必不可少", "gap_shou_duan"),
    ("微粒贷的流程分为五个阶,包含预催", "gap_jie_duan"),
    ("并接受银行和监管机构的越来越多监和检查", "gap_jian_du"),
    ("平安银行部门在之一时间联系持卡人", "spin_di_yi_shi_jian"),
    ("在信用卡外包进展中大量的使用者个人信息", "spin_guo_cheng_zhong"),
])
def test_gaps_and_spun_phrases_are_found(text, rule):
    signals, _ = find_garbling(text)
    assert rule in {s[1] for s in signals}


@pytest.mark.parametrize("text", [
    "采取措施保护客户", "实施严格的审查", "实际上这是合法的", "平安信用卡法务部真实有效",
    "全面解析银保监信用卡条例", "加强监督和管理", "通过正当手段追回", "举措得当",
])
def test_intact_words_are_not_gaps(text):
    signals, _ = find_garbling(text)
    assert not [s for s in signals if s[0] == "deleted_word"]


def test_confident_repair_changes_the_analysis_text_not_the_raw_text():
    doc = document(A000)
    assert "信息安全措不到位" in doc.raw_text
    assert "信息安全措施不到位" in doc.clean.text
    edit = next(e for e in doc.edits if e.rule == "gap_cuo_shi")
    assert doc.raw_text[edit.raw_start:edit.raw_end] == "措" and edit.replacement == "措施"
    spin = next(e for e in doc.edits if e.rule == "spin_di_yi_shi_jian")
    assert doc.raw_text[spin.raw_start:spin.raw_end] == "之一时间" and "第一时间" in doc.clean.text


def test_signals_carry_raw_offsets_of_what_they_found():
    doc = document(A000)
    assert doc.signals
    for s in doc.signals:
        assert doc.raw_text[s.raw_start:s.raw_end] == s.text


def test_stuffed_keywords_are_signalled():
    line = next(l for l in (CORPUS / "h038.txt").read_text(encoding="utf-8").splitlines()
                if l.count("微粒贷逾期几天贷后会打电话") >= 3)
    spans = find_stuffing(line)
    assert len(spans) >= 2
    assert all("微粒贷逾期几天贷后会打电话"[:6] in line[s:e] or line[s:e] in "微粒贷逾期几天贷后会打电话" for s, e in spans)
    assert find_stuffing("信用卡逾期是金融行业中不可忽视的重要环节它关系到金融机构的资产回收") == []


def test_garble_score_ranks_the_most_garbled_sample_first():
    scores = {name: document(name).garble_score for name in
              (A000, A002, "001_d1e87e6a91d97939.txt", "003_886f49acf3056d93.txt")}
    assert max(scores, key=scores.get) == A002
    assert all(v > 0 for v in scores.values())


def test_mojibake_in_002_is_repaired_in_the_analysis_text():
    doc = document(A002)
    assert "人们日常消费" in doc.clean.text and "适当的催收不仅能保护" in doc.clean.text
    assert any(s.kind == "mojibake" for s in doc.signals)
