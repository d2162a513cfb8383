"""Lines that look like page furniture but are the article's own text: tables, bullet
lists the body introduces (after a colon line or right under a heading; markdown 「- 」
items too), sentences that mention 举报 or 联系方式, headings that start
with 投诉, the cut-off last line of a page opening, and 「…:1、…」 lists inside a line."""
from __future__ import annotations

import pytest

from conftest import CORPUS
from extract.document import build_document
from extract.formats import read_articles


def document(name: str):
    return build_document(next(read_articles(CORPUS / name)))


def sentence_texts(name: str) -> list[str]:
    return [s.text for s in document(name).sentences]


def block_of(name: str, fragment: str):
    return next(b for b in document(name).blocks if fragment in b.text)


def test_table_cells_are_sentences_labelled_by_their_first_cell():
    doc = document("h124.txt")
    cells = [s for s in doc.sentences if s.block.rule == "table_row"]
    assert "分析债务凭证、债务人资产状况" in [s.text for s in cells]
    assert all("|" not in s.text for s in cells)
    row = next(s.block for s in cells if s.text == "分析债务凭证、债务人资产状况")
    assert row.label == "债务评估"
    raw = doc.raw_text
    cell = next(s for s in cells if s.text == "提供催收报告及法律建议")
    assert raw[cell.raw_start:cell.raw_end].startswith("提供催收")


def test_table_header_and_rule_are_not_content():
    assert block_of("h124.txt", "核心内容").rule == "table_header"
    assert not any("核心内容" in t for t in sentence_texts("h124.txt"))


def test_bullets_after_a_colon_line_are_body_not_related_links():
    kinds = {b.text.lstrip("• "): b.kind for b in document("h059.txt").blocks if b.text.startswith("•")}
    assert kinds and set(kinds.values()) == {"body"}
    assert any(t.endswith("给你闺蜜发语音") for t in sentence_texts("h059.txt"))


def test_related_link_bullets_of_000_stay_links():
    assert block_of("000_bc4a86700b171b97.txt", "信用卡欠款外包合法吗").kind == "links"


@pytest.mark.parametrize("name, fragment", [
    ("h018.txt", "可以向相关法律机构举报"),
    ("h036.txt", "确保有有效的联系方式"),
    ("h117.txt", "可以触达债务人的联系方式"),
])
def test_body_sentences_mentioning_contact_words_are_body(name, fragment):
    assert block_of(name, fragment).kind == "body"


def test_a_real_contact_line_is_still_contact():
    assert block_of("002_2bd0eb9c5c11ef90.txt", "删帖举报联系方式").kind == "contact"


def test_headings_starting_with_complaint_are_headings():
    assert block_of("h093.txt", "投诉流程").kind == "heading"
    assert block_of("h093.txt", "投诉时提供真实准确的信息").kind == "body"


def test_cut_off_last_line_is_body():
    block = block_of("h038.txt", "总的来说,微粒贷逾期几天后会开始催")
    assert (block.kind, block.rule) == ("body", "last_line")


def test_colon_before_a_list_number_ends_the_sentence():
    assert "欠信用卡2万元是否需要追究刑事责任需要分情况讨论:" in sentence_texts("h102.txt")


def test_the_colon_of_a_time_does_not_end_the_sentence():
    """「工作日9:00-17:00)」: 17:00) is a time, not a list numbered 00)."""
    texts = sentence_texts("h098.txt")
    assert "投诉方式:拨打全国统一热线 12378(工作日9:00-17:00),或通过官网提交书面投诉。" in texts
    assert not any(t.endswith("17:") for t in texts)


def test_bullets_right_under_a_heading_are_body_not_related_links():
    # h118 and h024 list their points as 「• 标签:内容」 straight under a numbered heading
    for name, fragment in [("h118.txt", "区块链技术:利用区块链记录"), ("h024.txt", "利率过高:债务利率远高于")]:
        assert block_of(name, fragment).kind == "body"
    assert any(t.startswith("• 信用修复机制:") for t in sentence_texts("h118.txt"))


def test_a_bullet_before_a_numbered_heading_is_that_heading():
    block = block_of("h118.txt", "管理机制优化与协同治理")
    assert block.kind == "heading" and block.marker.startswith("2")
    assert block_of("h118.txt", "动态竞争机制").heading_path[-1] == "管理机制优化与协同治理"


def test_markdown_dash_items_are_list_items_not_headings():
    block = block_of("h027.txt", "银保监会:打12378比网站投诉响应更快")
    assert block.kind == "body" and block.marker.startswith("-")
    assert block_of("h027.txt", "互联网金融协会:官网有专门投诉入口").heading_path[-1] == "投诉渠道实操指南"
