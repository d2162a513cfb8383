"""Script detection per article and conversion to simplified for analysis."""
from __future__ import annotations

import pytest

from conftest import CORPUS
from extract.clean.script import detect_script, to_simplified


@pytest.mark.parametrize("name, script", [
    ("000_bc4a86700b171b97.txt", "simplified"),
    ("002_2bd0eb9c5c11ef90.txt", "traditional"),
    ("h015.txt", "traditional"),
    ("h005.txt", "simplified"),
])
def test_script_of_sample_articles(name, script):
    assert detect_script((CORPUS / name).read_text(encoding="utf-8")) == script


def test_mixed_script_article():
    text = "信用卡委外催收是否合法?这个问题很多人关心。" * 3 + "隨著信用卡使用的普及,逾期還款的情況也日益增加,金融機構選擇委外。" * 3
    assert detect_script(text) == "mixed"


@pytest.mark.parametrize("traditional, simplified", [
    ("隨著信用卡使用的普及", "随着信用卡使用的普及"),  # tw2s, not t2s: 著 → 着
    ("討債公司真的合法嗎", "讨债公司真的合法吗"),
    ("應收帳款管理", "应收帐款管理"),
])
def test_conversion_to_simplified_keeps_length(traditional, simplified):
    out = to_simplified(traditional)
    assert out == simplified and len(out) == len(traditional)


def test_lines_converted_together_as_each_alone():
    """One OpenCC call for an article's lines gives what a call per line gives."""
    from generated import corpus_paragraphs

    from extract.clean.script import simplified_lines

    for name in ("002_2bd0eb9c5c11ef90.txt", "h015.txt", "000_bc4a86700b171b97.txt"):
        lines = (CORPUS / name).read_text(encoding="utf-8").split("\n")
        assert simplified_lines(lines) == [to_simplified(line) for line in lines]
    lines = corpus_paragraphs()
    assert simplified_lines(lines) == [to_simplified(line) for line in lines]


def test_lines_whose_conversion_changes_length_are_redone_alone():
    from extract.clean.script import simplified_lines

    lines = ["隨著信用卡", "", "\x00討債", "應收帳款"]  # OpenCC stops at NUL: that line is redone alone
    assert simplified_lines(lines) == [to_simplified(line) for line in lines]


@pytest.mark.parametrize("text, simplified", [("什麼", "什么"), ("麼", "么"), ("么", "么"), ("要么", "要么")])
def test_simplified_text_stays_as_it_is(text, simplified):
    """OpenCC's tw2s gives 么 for 麼 but turns a lone 么 into 幺: a character that is the
    simplified form of another is left alone, so converting twice changes nothing (found
    by the property test in tests/test_properties.py)."""
    assert to_simplified(text) == simplified
    assert to_simplified(simplified) == simplified
