"""Personal data is masked character for character, so offsets stay exact."""
from __future__ import annotations

import pytest

from extract.clean.pii import mask_pii


@pytest.mark.parametrize("text, secret", [
    ("联系方式:15070879527 请勿骚扰", "15070879527"),
    ("邮箱 3590931873@qq.com 删帖", "3590931873@qq.com"),
    ("联系邮箱:happy56812@qq.com", "happy56812"),
    ("加QQ:123456789咨询", "123456789"),
    ("身份证号110101199003071234已泄露", "110101199003071234"),
    ("客服电话 010-62345678", "62345678"),
    ("手机 +86 138 1234 5678", "1234 5678"),
])
def test_personal_data_is_masked_with_the_same_length(text, secret):
    masked, found = mask_pii(text)
    assert found
    assert len(masked) == len(text)
    assert secret not in masked


@pytest.mark.parametrize("text", [
    "依据《银行卡业务管理办法》(2015年修订)信用卡逾期90天以上将被列为不良资产。",
    "5万元以下的债务收费比例高达50%,时薪可达800-1500元。",
    "2026 年 1 月 21 日,贷款加权平均逾期天数达 364.59 天",
])
def test_ordinary_numbers_are_kept(text):
    assert mask_pii(text) == (text, [])


def test_page_metadata_is_masked_too():
    """An HTML title or JSONL author can carry personal data as well as the text."""
    from extract import Article, analyse
    from kb.store.rows import to_rows

    article = Article("x.jsonl#1", "信用卡委外催收是否合法?催收公司必须依法催收。", title="催收投诉 13812345678",
                      author="me@example.com", url="https://example.com/?tel=13812345678")
    row = to_rows(analyse(article)).article
    assert "13812345678" not in row["title"] and len(row["title"]) == len("催收投诉 13812345678")
    assert "me@example.com" not in row["author"]
    assert "13812345678" not in row["url"]
